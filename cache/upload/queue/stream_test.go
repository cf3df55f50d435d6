package queue

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// streamData is a file of n bytes.
func streamData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// streamed is an item being written with a stream started on it.
type streamed struct {
	id   string
	f    *os.File
	s    *Stream
	data []byte
	end  int
}

// startStreamed creates name, writes first bytes of data and starts a
// stream on it.
func startStreamed(t *testing.T, q *Queue, name string, data []byte, first int) *streamed {
	t.Helper()
	id, f, err := q.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.WriteAt(data[:first], 0); err != nil {
		t.Fatal(err)
	}
	s, err := q.StartStream(id, int64(first))
	if err != nil {
		t.Fatalf("StartStream: %v", err)
	}
	return &streamed{id: id, f: f, s: s, data: data, end: first}
}

// write appends up to n more bytes and reports them to the stream.
func (w *streamed) write(t *testing.T, n int) {
	t.Helper()
	n = min(n, len(w.data)-w.end)
	if _, err := w.f.WriteAt(w.data[w.end:w.end+n], int64(w.end)); err != nil {
		t.Fatal(err)
	}
	w.end += n
	w.s.Grow(int64(w.end))
}

// close writes the rest, closes and releases (the file is queued).
func (w *streamed) close(t *testing.T, q *Queue) {
	t.Helper()
	w.write(t, len(w.data))
	if err := w.f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q.Release(w.id); err != nil {
		t.Fatal(err)
	}
}

// waitSent waits (real time, bounded) until the request has taken n bytes
// of the file: polling a goroutine's real progress.
func waitSent(t *testing.T, s *Stream, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		sent := s.sent
		s.mu.Unlock()
		if sent >= int64(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream sent %d bytes, want %d", sent, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func waitEnded(t *testing.T, s *Stream) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("stream's request did not end")
	}
}

// waitReal is q.Wait without driving the clock (a driven clock would fire
// the streams' idle timers), bounded in real time.
func waitReal(t *testing.T, q *Queue, id string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := q.Wait(ctx, id)
	if ctx.Err() != nil {
		t.Fatalf("Wait(%s) timed out", id)
	}
	return err
}

func (s *fakeServer) createdTotal() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seqCreatedLocked()
}

func TestStreamBecomesTheUploadOnlyAtItsStart(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
	q := e.open()
	data := streamData(3 << 20)
	w := startStreamed(t, q, "a.png", data, 1<<20)
	w.write(t, 1<<20)
	w.close(t, q)
	waitSent(t, w.s, len(data))
	// Every byte is sent, the file is closed and queued: still no asset
	// until the upload would start.
	if n := e.srv.createdTotal(); n != 0 {
		t.Fatalf("%d assets before the upload started", n)
	}
	if it := mustItem(t, q, w.id); it.State != Pending {
		t.Fatalf("state %v", it.State)
	}
	if err := waitReal(t, q, w.id); err != nil {
		t.Fatal(err)
	}
	as := e.srv.byName("a.png")
	if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha(data) {
		t.Fatalf("assets %+v", as)
	}
	e.srv.mu.Lock()
	posts, streamedPosts := e.srv.posts, e.srv.notOSFile
	e.srv.mu.Unlock()
	if posts != 1 || streamedPosts != 1 {
		t.Fatalf("posts %d (streamed %d), want the one streamed request", posts, streamedPosts)
	}
	e.waitIdle(q)
	e.assertEmptyDirs()
}

func TestStreamGivenUpCreatesNothingAndTheFileIsUploadedOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(e *env)                              // before the stream starts
		event  func(t *testing.T, q *Queue, w *streamed) // gives the stream up
		after  string                                    // the name the file ends under ("" = removed)
	}{
		{"fs gives it up (a write not at the end)", nil, func(t *testing.T, q *Queue, w *streamed) { w.s.Abort("test") }, "a.png"},
		{"the written size goes down", nil, func(t *testing.T, q *Queue, w *streamed) { w.s.Grow(10) }, "a.png"},
		{"opened for writing again", nil, func(t *testing.T, q *Queue, w *streamed) {
			f, err := q.OpenWrite(w.id, false)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			if err := q.Release(w.id); err != nil {
				t.Fatal(err)
			}
		}, "a.png"},
		{"renamed", nil, func(t *testing.T, q *Queue, w *streamed) {
			if err := q.Rename(w.id, "b.png"); err != nil {
				t.Fatal(err)
			}
		}, "b.png"},
		{"removed", nil, func(t *testing.T, q *Queue, w *streamed) {
			if err := q.Cancel(w.id); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"no new bytes for StreamIdle", nil, func(t *testing.T, q *Queue, w *streamed) {
			q.o.Clock.(*fakeClock).Advance(q.o.StreamIdle)
		}, "a.png"},
		{"the server answers early", func(e *env) { e.srv.failBefore = 1 }, func(t *testing.T, q *Queue, w *streamed) {}, "a.png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
			if tc.before != nil {
				tc.before(e)
			}
			q := e.open()
			data := streamData(2 << 20)
			w := startStreamed(t, q, "a.png", data, 1<<20)
			tc.event(t, q, w)
			waitEnded(t, w.s)
			if w.s.Alive() {
				t.Fatal("stream still alive")
			}
			if n := e.srv.createdTotal(); n != 0 {
				t.Fatalf("a given-up stream created %d asset(s)", n)
			}
			if tc.after == "" {
				e.waitIdle(q)
				if n := e.srv.createdTotal(); n != 0 {
					t.Fatalf("%d assets", n)
				}
				return
			}
			if _, err := w.f.WriteAt(data[w.end:], int64(w.end)); err != nil {
				t.Fatal(err)
			}
			w.f.Close()
			if err := q.Release(w.id); err != nil {
				t.Fatal(err)
			}
			if err := waitReal(t, q, w.id); err != nil {
				t.Fatal(err)
			}
			as := e.srv.byName(tc.after)
			if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha(data) || e.srv.createdTotal() != 1 {
				t.Fatalf("assets named %q: %+v; %d created", tc.after, as, e.srv.createdTotal())
			}
			if it, ok := q.Get(w.id); ok && it.Attempts != 0 {
				t.Errorf("the given-up stream counted as a failed attempt: %+v", it)
			}
		})
	}
}

func TestStreamRefusedAfterCommitIsSentAgainTheOrdinaryWay(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
	e.srv.refuseStream = &api.Error{Status: 411, Message: "length required", Op: "POST /assets"}
	q := e.open()
	data := streamData(2 << 20)
	w := startStreamed(t, q, "a.png", data, 1<<20)
	w.close(t, q)
	if err := waitReal(t, q, w.id); err != nil {
		t.Fatal(err)
	}
	as := e.srv.byName("a.png")
	if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha(data) {
		t.Fatalf("assets %+v", as)
	}
	if posts, _ := e.srv.counts(); posts != 2 {
		t.Fatalf("posts %d, want the refused stream and one ordinary upload", posts)
	}
	assertStreamingOff(t, q)
}

// assertStreamingOff checks that no new stream starts.
func assertStreamingOff(t *testing.T, q *Queue) {
	t.Helper()
	id, f, err := q.Create("next.png")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := q.StartStream(id, 1); err == nil {
		t.Error("a stream started after the API did not take one")
	}
	if err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
}

func TestAnEarlyAnswerTurnsStreamingOff(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
	e.srv.failBefore = 1
	q := e.open()
	w := startStreamed(t, q, "a.png", streamData(1<<20), 1<<20)
	waitEnded(t, w.s)
	assertStreamingOff(t, q)
}

func TestStreamStartRefused(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Streams = 1; o.Hold = func(n string) bool { return n == "x.tmp" } })
	q := e.open()
	data := streamData(1 << 20)
	startStreamed(t, q, "a.png", data, 1<<20)
	id, f, _ := q.Create("b.png")
	f.Close()
	if _, err := q.StartStream(id, 1); !errors.Is(err, errStreamNotStream) {
		t.Errorf("a second stream with Streams 1: %v", err)
	}
	hid, hf, _ := q.Create("x.tmp")
	hf.Close()
	if _, err := q.StartStream(hid, 1); err == nil {
		t.Error("stream of a held name started")
	}
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	if _, err := q.StartStream(id, 1); err == nil {
		t.Error("stream of a closed file started")
	}
}

// Crashes (kill -9) around a stream, as in crash_test.go: the image of the
// cache dir taken at that moment is what the next mount finds.
func TestKilledAroundAStream(t *testing.T) {
	for _, tc := range []struct {
		name       string
		at         func(t *testing.T, e *env, q *Queue, w *streamed) // brings the stream to the crash point
		wantFailed bool                                              // the file was open: kept as failed, not uploaded
	}{
		{"while the file is written", func(t *testing.T, e *env, q *Queue, w *streamed) {
			w.write(t, 1<<20)
			waitSent(t, w.s, w.end)
		}, true},
		{"closed, everything sent, before the upload start", func(t *testing.T, e *env, q *Queue, w *streamed) {
			w.close(t, q)
			waitSent(t, w.s, len(w.data))
		}, false},
		{"committed, asset created, answer lost", func(t *testing.T, e *env, q *Queue, w *streamed) {
			w.close(t, q)
			go q.Wait(context.Background(), w.id) // ends with ErrClosed at the crash
			<-e.srv.inUpload
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
			e.srv.blockAfter = make(chan struct{}) // a request that creates an asset never answers
			q := e.open()
			data := streamData(3 << 20)
			w := startStreamed(t, q, "a.png", data, 1<<20)
			tc.at(t, e, q, w)
			image := copyTree(t, e.dir)
			abort(q) // the request dies with the process
			w.f.Close()
			e.srv.mu.Lock()
			e.srv.blockAfter = nil
			e.srv.mu.Unlock()
			created := e.srv.createdTotal()

			e.dir = image
			q = e.open()
			if tc.wantFailed {
				if it := mustItem(t, q, w.id); it.State != Failed || created != 0 || e.srv.createdTotal() != 0 {
					t.Fatalf("item %+v, %d created", it, e.srv.createdTotal())
				}
				return
			}
			if err := e.waitDriven(q, w.id); err != nil {
				t.Fatal(err)
			}
			e.waitIdle(q)
			as := e.srv.byName("a.png")
			if len(as) != 1 || e.srv.hashOf(as[0].ID) != sha(data) || e.srv.createdTotal() != 1 {
				t.Fatalf("assets %+v, %d created", as, e.srv.createdTotal())
			}
			e.assertEmptyDirs()
		})
	}
}
