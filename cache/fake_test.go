package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"go.uber.org/goleak"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/internal/index"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fetchCall is one Fetch the fake answered.
type fetchCall struct {
	URL         string
	Off, Length int64
}

// fakeFetcher serves in-memory objects by URL, counting calls and bytes. Its
// knobs shape the answers: failures before success, bodies cut after some
// bytes, bodies that stall, bodies released only by a gate, hidden sizes.
type fakeFetcher struct {
	mu      sync.Mutex
	objects map[string][]byte
	calls   []fetchCall
	served  int64 // body bytes handed out

	failN    int   // the next failN calls fail with failErr
	failErr  error // default: a 503
	failAll  error // every call fails with this (offline)
	cutAfter int64 // > 0: each body fails with io.ErrUnexpectedEOF after this many bytes
	stall    bool  // bodies send nothing until their ctx ends
	hideSize bool  // Size and Length -1 (chunked answer)
	step     int   // most bytes per body Read (default 16 KiB)
	gate     chan struct{}
	// gate, when non-nil, must yield a value (or be closed) before each body
	// Read: the test controls how far a body gets.
	fetched chan fetchCall // if non-nil, every call is also sent here
	// A network's round trip and rate: each answer comes after
	// headerDelay, each body Read after readDelay.
	headerDelay, readDelay time.Duration
}

func newFake() *fakeFetcher { return &fakeFetcher{objects: map[string][]byte{}} }

// add creates an object of n pseudo-random bytes at url "u/<key>".
func (f *fakeFetcher) add(key string, n int) (Source, []byte) {
	data := make([]byte, n)
	rand.New(rand.NewSource(int64(len(key)*7919 + n))).Read(data)
	for i := range key {
		if i < len(data) {
			data[i] ^= key[i]
		}
	}
	f.mu.Lock()
	f.objects["u/"+key] = data
	f.mu.Unlock()
	return Source{Key: key, URL: "u/" + key, Size: int64(n)}, data
}

func (f *fakeFetcher) Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error) {
	f.mu.Lock()
	call := fetchCall{url, off, length}
	f.calls = append(f.calls, call)
	data, ok := f.objects[url]
	var fail error
	switch {
	case f.failAll != nil:
		fail = f.failAll
	case f.failN > 0:
		f.failN--
		fail = f.failErr
		if fail == nil {
			fail = &api.Error{Status: 503, Message: "unavailable"}
		}
	case !ok:
		fail = &api.Error{Status: 404, Message: "no such object"}
	case off >= int64(len(data)):
		fail = &api.Error{Status: 416, Message: "range not satisfiable"}
	}
	fetched, headerDelay := f.fetched, f.headerDelay
	f.mu.Unlock()
	if fetched != nil {
		fetched <- call
	}
	if headerDelay > 0 {
		time.Sleep(headerDelay)
	}
	if fail != nil {
		return nil, fail
	}
	end := int64(len(data))
	if length >= 0 {
		end = min(end, off+length)
	}
	d := &api.Download{Offset: off, Length: end - off, Size: int64(len(data))}
	if f.hideSize {
		d.Length, d.Size = -1, -1
	}
	d.Body = &fakeBody{f: f, ctx: ctx, data: data[off:end]}
	return d, nil
}

func (f *fakeFetcher) callList() []fetchCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fetchCall(nil), f.calls...)
}

func (f *fakeFetcher) numCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeFetcher) bytesServed() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served
}

func (f *fakeFetcher) set(fn func(*fakeFetcher)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

type fakeBody struct {
	f    *fakeFetcher
	ctx  context.Context
	data []byte
	got  int64
}

func (b *fakeBody) Read(p []byte) (int, error) {
	f := b.f
	f.mu.Lock()
	stall, gate, cut, step, delay := f.stall, f.gate, f.cutAfter, f.step, f.readDelay
	f.mu.Unlock()
	if delay > 0 && len(b.data) > 0 {
		time.Sleep(delay)
	}
	if stall {
		<-b.ctx.Done()
		return 0, b.ctx.Err()
	}
	if len(b.data) == 0 {
		return 0, io.EOF
	}
	if gate != nil {
		select {
		case <-gate:
		case <-b.ctx.Done():
			return 0, b.ctx.Err()
		}
	}
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if cut > 0 && b.got >= cut {
		return 0, fmt.Errorf("connection reset: %w", io.ErrUnexpectedEOF)
	}
	if step <= 0 {
		step = 16 << 10
	}
	n := min(len(p), step, len(b.data))
	if cut > 0 {
		n = int(min(int64(n), cut-b.got))
	}
	copy(p, b.data[:n])
	b.data = b.data[n:]
	b.got += int64(n)
	f.mu.Lock()
	f.served += int64(n)
	f.mu.Unlock()
	return n, nil
}

func (b *fakeBody) Close() error { return nil }

// testStore opens a store in dir with small, test-friendly settings.
func testStore(t *testing.T, dir string, f Fetcher, mod func(*Options)) *Store {
	t.Helper()
	o := Options{
		Dir:          dir,
		MaxBytes:     64 << 20,
		Fetcher:      f,
		ChunkSize:    64 << 10,
		ReadAhead:    -1,
		StallTimeout: 10 * time.Second,
		RetryBackoff: time.Millisecond,
		Log:          quietLog(),
	}
	if mod != nil {
		mod(&o)
	}
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func quietLog() logrus.FieldLogger {
	l, _ := logtest.NewNullLogger()
	l.SetLevel(logrus.DebugLevel)
	return l
}

// readAll reads the whole object through r, in reads of size step.
func readAll(t *testing.T, r *Reader, step int) []byte {
	t.Helper()
	return readAllWith(t, r.ReadAt, step)
}

// readAllWith reads a whole object with read (a Reader's ReadAt or
// ReadUncached), in reads of size step.
func readAllWith(t *testing.T, read func(context.Context, []byte, int64) (int, error), step int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, step)
	for off := int64(0); ; {
		n, err := read(context.Background(), buf, off)
		out = append(out, buf[:n]...)
		off += int64(n)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("ReadAt(%d): %v", off, err)
		}
	}
}

func readRange(t *testing.T, r *Reader, off int64, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	k, err := r.ReadAt(context.Background(), buf, off)
	if err != nil && !(errors.Is(err, io.EOF) && k < n) {
		t.Fatalf("ReadAt(%d, %d) = %d, %v", off, n, k, err)
	}
	return buf[:k]
}

// waitFor polls cond until it holds (the work it waits for runs in other
// goroutines; no timing is asserted).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(filepath.Join(dir, index.ObjectsDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

func mustEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes, want %d (equal prefix %d)", what, len(got), len(want), commonPrefix(got, want))
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}
