package jobs

import (
	"context"
	"io"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func quietLog() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

// recorder is a poll function that records which jobs were polled and
// says "done" for the ids in finished.
type recorder struct {
	mu       sync.Mutex
	polled   []string
	finished map[string]bool
}

func (r *recorder) poll(ctx context.Context, id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.polled = append(r.polled, id)
	return r.finished[id]
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.polled
	r.polled = nil
	sort.Strings(p)
	return p
}

// newTestWatcher makes a watcher whose loop never starts: tests drive
// step by hand with a fake clock.
func newTestWatcher(s pollSchedule) (*jobWatcher, *fakeClock, *recorder) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	rec := &recorder{finished: map[string]bool{}}
	spawn := func(func()) { panic("the loop must not start in this test") }
	w := newJobWatcher(context.Background(), spawn, s, clk.Now, quietLog(), rec.poll)
	w.running = true // keep arm from starting the real loop
	return w, clk, rec
}

func TestWatcherFollowsTheBackoffSchedule(t *testing.T) {
	w, clk, rec := newTestWatcher(defaultPollSchedule)
	w.arm("job")
	start := clk.Now()

	// Poll times the schedule promises: 2, 4.5, 7.625, 11.53125, 15.53125, 19.53125 s.
	var wantAt []time.Duration
	var at time.Duration
	for i := 0; i < 6; i++ {
		at += defaultPollSchedule.delay(i)
		wantAt = append(wantAt, at)
	}
	var gotAt []time.Duration
	for clk.Now().Sub(start) < 20*time.Second {
		w.step(context.Background())
		if p := rec.take(); len(p) > 0 {
			gotAt = append(gotAt, clk.Now().Sub(start))
		}
		clk.Advance(time.Millisecond * 125 / 8) // 15.625ms: hits every poll time exactly
	}
	if len(gotAt) != len(wantAt) {
		t.Fatalf("polled at %v, want %v", gotAt, wantAt)
	}
	for i := range wantAt {
		if gotAt[i] != wantAt[i] {
			t.Errorf("poll %d at %v, want %v", i, gotAt[i], wantAt[i])
		}
	}
}

func TestWatcherStopsWhenDone(t *testing.T) {
	w, clk, rec := newTestWatcher(defaultPollSchedule)
	w.arm("a")
	w.arm("b")
	rec.finished["a"] = true
	clk.Advance(2 * time.Second)
	next, ok := w.step(context.Background())
	if got := rec.take(); len(got) != 2 {
		t.Fatalf("polled %v, want a and b", got)
	}
	if w.watched("a") || !w.watched("b") {
		t.Fatalf("after a finished: watched(a)=%v watched(b)=%v, want false, true", w.watched("a"), w.watched("b"))
	}
	if !ok || next.Sub(clk.Now()) != defaultPollSchedule.delay(1) {
		t.Errorf("next poll in %v (ok %v), want %v", next.Sub(clk.Now()), ok, defaultPollSchedule.delay(1))
	}
	rec.finished["b"] = true
	clk.Advance(time.Hour)
	if _, ok := w.step(context.Background()); ok {
		t.Error("step reports more to watch after every job finished")
	}
}

func TestWatcherStopsAfterIdle(t *testing.T) {
	s := defaultPollSchedule
	w, clk, rec := newTestWatcher(s)
	w.arm("a")
	w.arm("b")
	// b is looked at again half way; a is not.
	for el := time.Duration(0); el <= s.Idle+time.Minute; el += time.Second {
		if el == s.Idle/2 {
			w.arm("b")
		}
		w.step(context.Background())
		clk.Advance(time.Second)
	}
	rec.take()
	if w.watched("a") {
		t.Error("a is still polled long after anyone looked at it")
	}
	if !w.watched("b") {
		t.Error("b stopped being polled although it was looked at within Idle")
	}
}

func TestWatcherBoundsTheNumberOfJobs(t *testing.T) {
	s := defaultPollSchedule
	s.MaxJobs = 3
	w, clk, _ := newTestWatcher(s)
	for _, id := range []string{"a", "b", "c"} {
		w.arm(id)
		clk.Advance(time.Second)
	}
	w.arm("a") // renewed: now b has the oldest interest
	clk.Advance(time.Second)
	w.arm("d")
	for id, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if got := w.watched(id); got != want {
			t.Errorf("watched(%s) = %v, want %v", id, got, want)
		}
	}
}

func TestWatcherForget(t *testing.T) {
	w, clk, rec := newTestWatcher(defaultPollSchedule)
	w.arm("a")
	w.forget("a")
	clk.Advance(time.Minute)
	w.step(context.Background())
	if got := rec.take(); len(got) != 0 {
		t.Errorf("polled %v after forget", got)
	}
}

// The real loop: polls on its own, ends by itself when nothing is left to
// watch, and ends (without polling again) when its context is cancelled.
func TestWatcherLoopRunsAndEnds(t *testing.T) {
	s := pollSchedule{First: time.Millisecond, Max: time.Millisecond, Factor: 1, Idle: time.Hour, MaxJobs: 4}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	starts := 0
	spawn := func(f func()) {
		starts++
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	polled := make(chan string, 10)
	var mu sync.Mutex
	n := 0
	w := newJobWatcher(ctx, spawn, s, time.Now, quietLog(), func(ctx context.Context, id string) bool {
		mu.Lock()
		defer mu.Unlock()
		n++
		polled <- id
		return id == "j" && n >= 3 // j is done at the third poll
	})
	w.arm("j")
	for i := 0; i < 3; i++ {
		if id := <-polled; id != "j" {
			t.Fatalf("polled %q", id)
		}
	}
	wg.Wait() // the loop ends by itself: nothing left to watch
	if w.watched("j") {
		t.Error("j still watched after it finished")
	}

	w.arm("k") // starts a new loop
	<-polled
	cancel()
	wg.Wait()
	if starts != 2 {
		t.Errorf("loop started %d times, want 2", starts)
	}
	w.arm("after") // after cancel: ignored, starts nothing
	if starts != 2 || w.watched("after") {
		t.Error("arm after cancel started polling")
	}
}

func TestWatcherPollsALongJobLessOften(t *testing.T) {
	s := defaultPollSchedule
	s.Idle = time.Hour
	w, clk, rec := newTestWatcher(s)
	w.arm("video")
	start := clk.Now()
	var at []time.Time
	for clk.Now().Sub(start) < s.Long+3*time.Minute {
		w.step(context.Background())
		if p := rec.take(); len(p) > 0 {
			at = append(at, clk.Now())
		}
		clk.Advance(100 * time.Millisecond)
	}
	var early, late time.Duration
	for i := 1; i < len(at); i++ {
		gap := at[i].Sub(at[i-1])
		if at[i].Sub(start) < s.Long {
			early = max(early, gap)
		} else {
			late = max(late, gap)
		}
	}
	if early > 5*time.Second {
		t.Errorf("longest gap in the first %v: %v, want at most 5 s", s.Long, early)
	}
	if late < 14*time.Second || late > s.LongMax+time.Second {
		t.Errorf("longest gap after %v: %v, want about %v", s.Long, late, s.LongMax)
	}
}
