package queue

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"go.uber.org/goleak"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type env struct {
	t   *testing.T
	dir string
	clk *fakeClock
	srv *fakeServer
	mod func(*Options)
	// uploadedHook, if set, runs first in each Observer.Uploaded call.
	uploadedHook func(Item)

	mu        sync.Mutex
	uploaded  []Item // Observer.Uploaded calls
	spoolSeen []bool // whether the spool existed during each call
	refused   []Item // Observer.Refused calls
}

func newEnv(t *testing.T, mod func(*Options)) *env {
	t.Helper()
	clk := newFakeClock()
	return &env{t: t, dir: filepath.Join(t.TempDir(), "wb"), clk: clk, srv: newFakeServer(clk), mod: mod}
}

func testLogger() logrus.FieldLogger {
	l := logrus.New()
	l.Out = io.Discard
	if testing.Verbose() {
		l.Out = os.Stderr
		l.Level = logrus.DebugLevel
	}
	return l
}

// open opens a queue on the env's dir; it is closed at cleanup.
func (e *env) open() *Queue {
	e.t.Helper()
	o := Options{
		Dir: e.dir, Uploader: e.srv, Delay: time.Second, Workers: 4, Clock: e.clk, Log: testLogger(),
		MinBackoff: time.Second, MaxBackoff: 8 * time.Second, RoundPause: time.Minute, MaxAttempts: 5,
	}
	if e.mod != nil {
		e.mod(&o)
	}
	q, err := Open(o)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	q.Start(Observer{
		Uploaded: func(it Item, a *api.Asset) {
			if e.uploadedHook != nil {
				e.uploadedHook(it)
			}
			_, err := os.Stat(it.Spool)
			e.mu.Lock()
			e.uploaded = append(e.uploaded, it)
			e.spoolSeen = append(e.spoolSeen, err == nil)
			e.mu.Unlock()
		},
		Refused: func(it Item) {
			q.Items() // called without the queue's lock: this would deadlock
			e.mu.Lock()
			e.refused = append(e.refused, it)
			e.mu.Unlock()
		},
	})
	e.t.Cleanup(func() { q.Close(context.Background()) })
	return q
}

// write creates name with data, closes it and releases it.
func (e *env) write(q *Queue, name string, data []byte, replaces ...string) string {
	e.t.Helper()
	id, f, err := q.Create(name, replaces...)
	if err != nil {
		e.t.Fatalf("Create(%q): %v", name, err)
	}
	if _, err := f.Write(data); err != nil {
		e.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		e.t.Fatal(err)
	}
	if err := q.Release(id); err != nil {
		e.t.Fatalf("Release: %v", err)
	}
	return id
}

// drive fires every timer as soon as it is set, until the returned stop
// is called: time runs as fast as the queue asks for it.
func (e *env) drive() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			for e.clk.AdvanceToNext() {
			}
			select {
			case <-done:
				return
			case <-e.clk.added:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// waitDriven is q.Wait with the clock driven and a real-time bound.
func (e *env) waitDriven(q *Queue, id string) error {
	e.t.Helper()
	stop := e.drive()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := q.Wait(ctx, id)
	if ctx.Err() != nil {
		e.t.Fatalf("Wait(%s) timed out", id)
	}
	return err
}

func (e *env) waitAllDriven(q *Queue) error {
	e.t.Helper()
	stop := e.drive()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := q.WaitAll(ctx)
	if ctx.Err() != nil {
		e.t.Fatalf("WaitAll timed out: %v", err)
	}
	return err
}

// waitIdle waits (bounded, real time) until the queue has no items, with
// the clock driven.
func (e *env) waitIdle(q *Queue) {
	e.t.Helper()
	stop := e.drive()
	defer stop()
	deadline := time.Now().Add(20 * time.Second)
	for q.count() > 0 {
		if time.Now().After(deadline) {
			e.t.Fatalf("queue not idle: %+v", q.Items())
		}
		time.Sleep(time.Millisecond) // polling real progress of workers, not simulated time
	}
}

func (e *env) onUploaded() []Item {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Item(nil), e.uploaded...)
}

// files lists the regular files under dir/sub.
func files(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// spoolFiles lists the files of spool/ dir but the empty ones made
// ahead of need (journal.SpoolPool).
func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range files(t, dir) {
		if !strings.HasPrefix(f, "pool-") {
			out = append(out, f)
		}
	}
	return out
}

func (e *env) assertEmptyDirs() {
	e.t.Helper()
	if f := spoolFiles(e.t, filepath.Join(e.dir, "spool")); len(f) != 0 {
		e.t.Errorf("spool not empty: %v", f)
	}
	if f := files(e.t, filepath.Join(e.dir, "journal")); len(f) > 1 || len(f) == 1 && f[0] != "records.log" {
		e.t.Errorf("journal holds more than its log: %v", f)
	}
	if recs := liveRecords(e.t, e.dir); len(recs) != 0 {
		e.t.Errorf("records left in the journal: %+v", recs)
	}
}

// liveRecords is what the journal in dir still holds, read as in this
// boot, changing nothing.
func liveRecords(t *testing.T, dir string) map[string]journal.Record {
	t.Helper()
	l, err := journal.NewLayout(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := l.ReadRecords()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// otherBoot is a boot id that is not this machine's: a queue opened with
// it sees the journal as after a reboot (a power cut).
const otherBoot = "0123456789abcdef0123456789abcdef"

func mustItem(t *testing.T, q *Queue, id string) Item {
	t.Helper()
	it, ok := q.Get(id)
	if !ok {
		t.Fatalf("item %s not found", id)
	}
	return it
}

// count is the number of items the queue still tracks (finished ones are
// dropped only after their files are gone).
func (q *Queue) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// within returns what ch delivers, failing the test if nothing comes
// within d: "nothing came: " + what.
func within(t *testing.T, ch <-chan error, d time.Duration, what string) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(d):
		t.Fatal("nothing came: " + what)
		return nil
	}
}
