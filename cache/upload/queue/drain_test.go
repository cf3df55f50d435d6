package queue

import (
	"context"
	"errors"
	"testing"
	"time"
)

// At unmount, files waiting for their upload delay go at once: Drain
// returns with everything uploaded while the (fake) clock stands still.
func TestDrainUploadsWhatWaitsForItsDelayWithoutWaitingForIt(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
	q := e.open()
	e.write(q, "a.png", []byte("aaaa"))
	e.write(q, "b.png", []byte("bbbbbb"))
	b := q.Backlog()
	if len(b.Files) != 2 || b.Bytes != 10 || b.Empty() {
		t.Fatalf("backlog before draining: %+v", b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := q.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if got := len(e.srv.byName("a.png")) + len(e.srv.byName("b.png")); got != 2 {
		t.Errorf("%d assets after Drain, want 2", got)
	}
	if b := q.Backlog(); !b.Empty() {
		t.Errorf("backlog after Drain: %+v", b)
	}
}

// A file closed after Drain started (a writer that outlived the unmount)
// is due at once too.
func TestAFileClosedWhileDrainingIsUploadedAtOnce(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Delay = time.Hour })
	q := e.open()
	id, f, err := q.Create("late.png")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("late"))
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := q.Drain(ctx); err != nil { // nothing to send yet: the file is open
		t.Fatalf("Drain: %v", err)
	}
	if b := q.Backlog(); len(b.Open) != 1 || b.Open[0].Name != "late.png" {
		t.Fatalf("backlog with the file open: %+v", b)
	}
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !q.Backlog().Empty() || q.Backlog().Open != nil; {
		if time.Now().After(deadline) {
			t.Fatalf("not uploaded within 10s (the clock stands still): %+v", q.Items())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(e.srv.byName("late.png")); n != 1 {
		t.Errorf("%d assets named late.png, want 1", n)
	}
}

// A drain that runs out of time says what is left, and the journal keeps
// it: the next Open uploads it.
func TestADrainThatRunsOutOfTimeKeepsTheRestForTheNextOpen(t *testing.T) {
	e := newEnv(t, nil)
	block := make(chan struct{})
	e.srv.mu.Lock()
	e.srv.blockBefore = block
	e.srv.mu.Unlock()
	q := e.open()
	e.write(q, "slow.png", []byte("slow"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := q.Drain(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Drain: %v, want the deadline", err)
	}
	if err := q.Close(ctx); err == nil {
		t.Errorf("Close with a done context while an upload runs: nil error")
	}
	if b := q.Backlog(); len(b.Files) != 1 || b.Files[0].Name != "slow.png" {
		t.Fatalf("backlog after the drain gave up: %+v", b)
	}
	close(block)
	e.srv.mu.Lock()
	e.srv.blockBefore = nil
	e.srv.mu.Unlock()
	q2 := e.open()
	e.waitIdle(q2)
	if n := len(e.srv.byName("slow.png")); n != 1 {
		t.Errorf("%d assets named slow.png after the next Open, want 1", n)
	}
}
