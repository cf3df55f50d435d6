package queue

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// bodyWatch is the fake server, noting when an upload's body is first
// read and when it ends.
type bodyWatch struct {
	*fakeServer
	firstOnce, endOnce sync.Once
	first, end         chan struct{}
}

func newBodyWatch(s *fakeServer) *bodyWatch {
	return &bodyWatch{fakeServer: s, first: make(chan struct{}), end: make(chan struct{})}
}

func (w *bodyWatch) UploadAsset(ctx context.Context, r io.Reader, filename, description string) (*api.Asset, error) {
	return w.fakeServer.UploadAsset(ctx, &watchedBody{r: r, w: w}, filename, description)
}

type watchedBody struct {
	r io.Reader
	w *bodyWatch
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.w.firstOnce.Do(func() { close(b.w.first) })
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.w.endOnce.Do(func() { close(b.w.end) })
	}
	return n, err
}

// journalLogSyncs makes the queue's fsyncs of its journal log go through
// hook once armed.
func journalLogSyncs(o *Options, armed *atomic.Bool, hook func() error) {
	o.fsync = func(f *os.File) error {
		if armed.Load() && filepath.Base(f.Name()) == "records.log" {
			if err := hook(); err != nil {
				return err
			}
		}
		return f.Sync()
	}
}

// The request of an upload starts while its intent is being fsynced, and
// its body ends only once the intent is durable: the fsync is not on the
// worker's path, and the server cannot have a whole file before the
// journal says that it may have been sent (the exactly-once check relies
// on that).
func TestAnUploadStartsWhileItsIntentIsFsyncedAndEndsOnlyOnceItIsDurable(t *testing.T) {
	var armed atomic.Bool
	fsyncing, release := make(chan struct{}, 1), make(chan struct{})
	var e *env
	var watch *bodyWatch
	e = newEnv(t, func(o *Options) {
		o.Delay = time.Hour
		journalLogSyncs(o, &armed, func() error {
			select {
			case fsyncing <- struct{}{}:
			default:
			}
			<-release
			return nil
		})
		watch = newBodyWatch(e.srv)
		o.Uploader = watch
	})
	var releaseOnce sync.Once
	releaseFsync := func() { releaseOnce.Do(func() { close(release) }) }
	q := e.open()
	defer releaseFsync() // before the queue's Close (cleanup), also when failing
	data := bytes.Repeat([]byte("payload "), 8<<10)
	id := e.write(q, "a.png", data)
	q.com.Flush() // the file is durable: what is left to journal is the intent
	armed.Store(true)
	done := make(chan error, 1)
	go func() { done <- q.Wait(context.Background(), id) }() // starts the upload now

	select {
	case <-fsyncing:
	case <-time.After(10 * time.Second):
		t.Fatal("the intent was not fsynced")
	}
	select {
	case <-watch.first:
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not start while the intent's fsync ran")
	}
	select {
	case <-watch.end:
		t.Fatal("the body ended before the intent was durable")
	case err := <-done:
		t.Fatalf("the upload ended (%v) before the intent was durable", err)
	case <-time.After(100 * time.Millisecond):
	}
	releaseFsync()
	if err := within(t, done, 10*time.Second, "the upload did not end once the intent was durable"); err != nil {
		t.Fatal(err)
	}
	if as := e.srv.byName("a.png"); len(as) != 1 || e.srv.hashOf(as[0].ID) != sha(data) {
		t.Fatalf("assets = %+v", as)
	}
}

// An intent that cannot be journaled: the request already under way never
// ends its body, so it creates nothing, and the file is sent again later,
// once.
func TestAnUploadWhoseIntentCannotBeJournaledCreatesNothingAndIsSentAgain(t *testing.T) {
	var armed atomic.Bool
	var failed atomic.Int32
	e := newEnv(t, func(o *Options) {
		o.Delay = time.Hour
		journalLogSyncs(o, &armed, func() error {
			if failed.Add(1) == 1 {
				return errors.New("injected: I/O error")
			}
			return nil
		})
	})
	q := e.open()
	data := bytes.Repeat([]byte("payload "), 8<<10)
	id := e.write(q, "a.png", data)
	q.com.Flush()
	armed.Store(true)
	if err := e.waitDriven(q, id); err != nil {
		t.Fatal(err)
	}
	if failed.Load() == 0 {
		t.Fatal("no fsync of the journal failed")
	}
	if posts, _ := e.srv.counts(); posts != 2 {
		t.Fatalf("posts = %d, want 2 (the first one's body never ended)", posts)
	}
	if as := e.srv.byName("a.png"); len(as) != 1 || e.srv.hashOf(as[0].ID) != sha(data) {
		t.Fatalf("assets = %+v", as)
	}
}
