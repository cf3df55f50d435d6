package cache

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// A download whose request stalled (the server accepted it, then sent
// nothing) must not hold up a reader that arrives once the server answers
// again: the new reader starts its own request, and the reader that was
// waiting is served by it too. Found by the integration test
// TestReadAfterAStallIsLiftedDoesNotWaitForTheStalledDownload (a new read
// waited 24 s for the stalled request, the rest of its stall timeout).
func TestNewReaderDoesNotWaitForAStuckDownload(t *testing.T) {
	f := newFake()
	src, data := f.add("stuck", 300<<10)
	f.stall = true
	// stuckAfter is StallTimeout/6 = 1s.
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.StallTimeout = 6 * time.Second })

	first := s.Open(src)
	defer first.Close()
	firstDone := make(chan error, 1)
	got := make([]byte, len(data))
	go func() {
		_, err := first.ReadAt(context.Background(), got, 0)
		firstDone <- err
	}()
	waitFor(t, "the first request", func() bool { return f.numCalls() == 1 })
	time.Sleep(1200 * time.Millisecond) // the request is now stuck (> StallTimeout/6 silent)

	// The server answers new requests again; the stuck one stays silent.
	f.set(func(f *fakeFetcher) { f.stall = false })
	second := s.Open(src)
	defer second.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second) // < the stall timeout left
	defer cancel()
	buf := make([]byte, len(data))
	if _, err := second.ReadAt(ctx, buf, 0); err != nil {
		t.Fatalf("a new reader after the server recovered: %v (it waited for the stuck request?)", err)
	}
	mustEqual(t, "new reader", buf, data)
	select {
	case err := <-firstDone:
		if err != nil {
			t.Fatalf("the reader that waited on the stuck request: %v", err)
		}
		mustEqual(t, "first reader", got, data)
	case <-time.After(4 * time.Second):
		t.Fatalf("the reader that waited on the stuck request was not served by the new one")
	}
	// The stuck one, the one the first reader started when it found it
	// stuck (the server still stalled), and the one that answered.
	if n := f.numCalls(); n < 2 || n > 3 {
		t.Errorf("%d requests, want 2 or 3", n)
	}
}

// A download that is merely slow (bytes keep coming) is shared, not
// duplicated, however long it runs.
func TestSlowDownloadIsSharedNotRestarted(t *testing.T) {
	f := newFake()
	src, data := f.add("slow", 256<<10)
	gate := make(chan struct{})
	f.gate = gate
	f.step = 4 << 10
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.StallTimeout = 600 * time.Millisecond })
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one 4 KiB step every 20ms: never silent for 100ms
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				select {
				case gate <- struct{}{}:
				case <-stop:
					return
				}
			case <-stop:
				return
			}
		}
	}()
	a, b := s.Open(src), s.Open(src)
	defer a.Close()
	defer b.Close()
	done := make(chan []byte, 1)
	go func() { done <- readRange(t, a, 0, len(data)) }()
	waitFor(t, "the first request", func() bool { return f.numCalls() == 1 })
	time.Sleep(300 * time.Millisecond) // longer than StallTimeout/6, while bytes flow
	mustEqual(t, "second reader", readRange(t, b, 0, len(data)), data)
	mustEqual(t, "first reader", <-done, data)
	if n := f.numCalls(); n != 1 {
		t.Errorf("%d requests for one slow download, want 1", n)
	}
}

// trickleFetcher answers every request with a few bytes and then nothing:
// a server that stalls each connection after its first bytes.
type trickleFetcher struct {
	data  []byte
	first int
	calls atomic.Int32
}

func (f *trickleFetcher) Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error) {
	f.calls.Add(1)
	end := int64(len(f.data))
	return &api.Download{Offset: off, Length: end - off, Size: end,
		Body: &trickleBody{ctx: ctx, data: f.data[off:min(end, off+int64(f.first))]}}, nil
}

type trickleBody struct {
	ctx  context.Context
	data []byte
}

func (b *trickleBody) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		<-b.ctx.Done()
		return 0, b.ctx.Err()
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *trickleBody) Close() error { return nil }

// Replacing stuck downloads must not turn a stall into an endless trickle:
// a read that found a stuck download fails after StallTimeout in all, even
// though each new request brings a few bytes.
func TestReadOfATricklingServerStillFailsAfterTheStallTimeout(t *testing.T) {
	data := make([]byte, 1<<20)
	f := &trickleFetcher{data: data, first: 1000}
	const stall = 600 * time.Millisecond
	s := testStore(t, t.TempDir(), f, func(o *Options) { o.StallTimeout = stall })
	r := s.Open(Source{Key: "trickle", URL: "u/trickle", Size: int64(len(data))})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*stall) // a hang fails the test, not the run
	defer cancel()
	_, err := r.ReadAt(ctx, make([]byte, 128<<10), 0)
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("read of a server that trickles and stalls: %v, want ErrStalled", err)
	}
	if n := f.calls.Load(); n < 2 || n > 8 {
		t.Errorf("%d requests for one read, want a few (one per StallTimeout/6)", n)
	}
}
