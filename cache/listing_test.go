package cache

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

// fakeClock is a settable clock for TTL tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeAPI is a listing source: it counts fetches, can fail, and can hold a
// fetch until released.
type fakeAPI struct {
	mu      sync.Mutex
	items   []string
	calls   int
	err     error
	hold    chan struct{} // if non-nil, each fetch waits for it
	entered chan struct{} // if non-nil, each fetch signals it started
}

func (a *fakeAPI) fetch(ctx context.Context) ([]string, error) {
	a.mu.Lock()
	a.calls++
	hold, entered := a.hold, a.entered
	a.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if hold != nil {
		<-hold
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return nil, a.err
	}
	return slices.Clone(a.items), nil
}

func (a *fakeAPI) set(fn func(*fakeAPI)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fn(a)
}

func (a *fakeAPI) numCalls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

func newTestListing(a *fakeAPI, clk *fakeClock, log logrus.FieldLogger) *Listing[string] {
	if log == nil {
		log = quietLog()
	}
	return NewListing(ListingConfig[string]{
		TTL: 10 * time.Second, Clock: clk.Now, Fetch: a.fetch, Log: log, Name: "test",
	})
}

func get(t *testing.T, l *Listing[string]) ([]string, uint64) {
	t.Helper()
	items, gen, err := l.Get(context.Background())
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return items, gen
}

func TestListingTTL(t *testing.T) {
	a := &fakeAPI{items: []string{"a"}}
	clk := &fakeClock{now: time.Unix(1000, 0)}
	l := newTestListing(a, clk, nil)

	steps := []struct {
		advance time.Duration
		change  []string // new API content before the step, if any
		want    []string
		gen     uint64
		calls   int
	}{
		{0, nil, []string{"a"}, 1, 1},                              // first Get fetches
		{5 * time.Second, []string{"a", "b"}, []string{"a"}, 1, 1}, // within TTL: cached, even if the API changed
		{4 * time.Second, nil, []string{"a"}, 1, 1},
		{time.Second, nil, []string{"a", "b"}, 2, 2}, // TTL reached: refetch
		{9 * time.Second, nil, []string{"a", "b"}, 2, 2},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		if st.change != nil {
			a.set(func(a *fakeAPI) { a.items = st.change })
		}
		items, gen := get(t, l)
		if !slices.Equal(items, st.want) || gen != st.gen || a.numCalls() != st.calls {
			t.Fatalf("step %d: items %v gen %d calls %d; want %v %d %d", i, items, gen, a.numCalls(), st.want, st.gen, st.calls)
		}
	}
}

func TestListingSingleflight(t *testing.T) {
	a := &fakeAPI{items: []string{"x"}, hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	l := newTestListing(a, &fakeClock{now: time.Unix(0, 0)}, nil)
	const n = 20
	var wg sync.WaitGroup
	results := make(chan []string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var items []string
			var err error
			if i%2 == 0 {
				items, _, err = l.Get(context.Background())
			} else {
				items, _, err = l.Refresh(context.Background())
			}
			if err != nil {
				t.Error(err)
			}
			results <- items
		}(i)
	}
	<-a.entered
	close(a.hold)
	wg.Wait()
	close(results)
	for items := range results {
		if !slices.Equal(items, []string{"x"}) {
			t.Errorf("items %v", items)
		}
	}
	// Callers that arrived after the fetch completed were served from it
	// (TTL, or Refresh's rate limit), so every caller shared one fetch.
	if c := a.numCalls(); c != 1 {
		t.Errorf("%d fetches for %d concurrent callers", c, n)
	}
}

func TestListingStaleOnError(t *testing.T) {
	a := &fakeAPI{items: []string{"a"}}
	clk := &fakeClock{now: time.Unix(0, 0)}
	log, hook := logtest.NewNullLogger()
	l := newTestListing(a, clk, log)
	get(t, l)

	a.set(func(a *fakeAPI) { a.err = errors.New("503") })
	for i := 0; i < 3; i++ {
		clk.Advance(11 * time.Second)
		items, gen := get(t, l)
		if !slices.Equal(items, []string{"a"}) || gen != 1 {
			t.Fatalf("during outage: %v gen %d", items, gen)
		}
	}
	if c := a.numCalls(); c != 4 {
		t.Errorf("calls %d, want 4 (one per expired TTL)", c)
	}
	// Within TTL of a failure, Get does not ask again.
	clk.Advance(time.Second)
	get(t, l)
	if c := a.numCalls(); c != 4 {
		t.Errorf("failing API asked again within TTL: %d calls", c)
	}
	warnings := 0
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("%d warnings during one outage, want 1", warnings)
	}

	a.set(func(a *fakeAPI) { a.err = nil; a.items = []string{"a", "b"} })
	clk.Advance(11 * time.Second)
	if items, gen := get(t, l); !slices.Equal(items, []string{"a", "b"}) || gen != 2 {
		t.Errorf("after recovery: %v gen %d", items, gen)
	}
}

func TestListingErrorWithoutPrevious(t *testing.T) {
	a := &fakeAPI{err: errors.New("down")}
	l := newTestListing(a, &fakeClock{now: time.Unix(0, 0)}, nil)
	if _, _, err := l.Get(context.Background()); err == nil || err.Error() != "down" {
		t.Fatalf("Get with no previous listing: %v", err)
	}
	if _, _, err := l.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh right after a failure hid the error")
	}
}

func TestListingRefreshRateLimited(t *testing.T) {
	a := &fakeAPI{items: []string{"a"}}
	clk := &fakeClock{now: time.Unix(0, 0)}
	l := newTestListing(a, clk, nil)
	get(t, l)
	a.set(func(a *fakeAPI) { a.items = []string{"a", "new"} })

	// A flood of lookups of a missing name within a second: no new fetch.
	for i := 0; i < 100; i++ {
		items, _, err := l.Refresh(context.Background())
		if err != nil || !slices.Equal(items, []string{"a"}) {
			t.Fatalf("Refresh: %v %v", items, err)
		}
	}
	if c := a.numCalls(); c != 1 {
		t.Fatalf("%d fetches", c)
	}
	clk.Advance(time.Second)
	items, gen, err := l.Refresh(context.Background())
	if err != nil || !slices.Equal(items, []string{"a", "new"}) || gen != 2 {
		t.Fatalf("Refresh after 1s: %v %d %v", items, gen, err)
	}
	// The refresh restarted the TTL: Get serves it.
	clk.Advance(9 * time.Second)
	get(t, l)
	if c := a.numCalls(); c != 2 {
		t.Errorf("calls %d, want 2", c)
	}
}

func TestListingUpdateAndInvalidate(t *testing.T) {
	a := &fakeAPI{items: []string{"a", "b"}}
	clk := &fakeClock{now: time.Unix(0, 0)}
	l := newTestListing(a, clk, nil)
	get(t, l)
	without := func(x string) func([]string) []string {
		return func(s []string) []string {
			return slices.DeleteFunc(slices.Clone(s), func(v string) bool { return v == x })
		}
	}
	l.Update(without("a"))
	items, gen := get(t, l)
	if !slices.Equal(items, []string{"b"}) || gen != 2 {
		t.Fatalf("after Update: %v gen %d", items, gen)
	}
	if a.numCalls() != 1 {
		t.Fatal("Update fetched")
	}
	l.Invalidate()
	items, gen = get(t, l)
	if !slices.Equal(items, []string{"a", "b"}) || gen != 3 || a.numCalls() != 2 {
		t.Fatalf("after Invalidate: %v gen %d calls %d", items, gen, a.numCalls())
	}
}

// An Update made while a fetch runs is applied to that fetch's result
// (which may predate it).
func TestListingUpdateDuringFetch(t *testing.T) {
	a := &fakeAPI{items: []string{"a", "b"}}
	clk := &fakeClock{now: time.Unix(0, 0)}
	l := newTestListing(a, clk, nil)
	get(t, l)
	a.set(func(a *fakeAPI) { a.hold = make(chan struct{}); a.entered = make(chan struct{}, 1) })
	clk.Advance(time.Minute)
	done := make(chan []string)
	go func() { items, _ := get(t, l); done <- items }()
	<-a.entered
	l.Update(func(s []string) []string {
		return slices.DeleteFunc(slices.Clone(s), func(v string) bool { return v == "a" })
	})
	close(a.hold)
	if items := <-done; !slices.Equal(items, []string{"b"}) {
		t.Errorf("fetch result ignored the concurrent Update: %v", items)
	}
}

// A caller whose ctx ends stops waiting; the fetch completes for others.
func TestListingCallerCancel(t *testing.T) {
	a := &fakeAPI{items: []string{"a"}, hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	l := newTestListing(a, &fakeClock{now: time.Unix(0, 0)}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { _, _, err := l.Get(ctx); errc <- err }()
	<-a.entered
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Get: %v", err)
	}
	close(a.hold)
	if items, _ := get(t, l); !slices.Equal(items, []string{"a"}) || a.numCalls() != 1 {
		t.Errorf("items %v after %d calls", items, a.numCalls())
	}
}

// A listing in use is fetched again in the background from RefreshAhead
// on: the caller is answered at once from the held items, and once the
// fetch is in, later callers get its items without ever having waited.
func TestListingRefreshesAheadOfItsTTLWithoutMakingACallerWait(t *testing.T) {
	a := &fakeAPI{items: []string{"a"}}
	clk := &fakeClock{now: time.Unix(1000, 0)}
	l := NewListing(ListingConfig[string]{TTL: 10 * time.Second, RefreshAhead: 7 * time.Second,
		Clock: clk.Now, Fetch: a.fetch, Log: quietLog(), Name: "test"})
	get(t, l)
	clk.Advance(6 * time.Second)
	get(t, l)
	if n := a.numCalls(); n != 1 {
		t.Fatalf("%d fetches before RefreshAhead, want 1", n)
	}
	a.set(func(a *fakeAPI) { a.items = []string{"a", "b"}; a.hold = make(chan struct{}) })
	clk.Advance(2 * time.Second) // 8 s old: past RefreshAhead, within TTL
	done := make(chan []string)
	go func() { items, _ := get(t, l); done <- items }()
	select {
	case items := <-done:
		if !slices.Equal(items, []string{"a"}) {
			t.Fatalf("answered %v while the fetch runs, want the held [a]", items)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a caller waited for the fetch ahead of the TTL")
	}
	for deadline := time.Now().Add(5 * time.Second); a.numCalls() != 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d fetches, want the one ahead of the TTL", a.numCalls())
		}
	}
	a.set(func(a *fakeAPI) { close(a.hold); a.hold = nil })
	deadline := time.Now().Add(5 * time.Second)
	for {
		if items, _ := get(t, l); slices.Equal(items, []string{"a", "b"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the fetch ahead of the TTL never served its items")
		}
		time.Sleep(time.Millisecond)
	}
	clk.Advance(5 * time.Second) // 13 s after the first fetch, 5 s after the second began
	get(t, l)
	if n := a.numCalls(); n != 2 {
		t.Fatalf("%d fetches: the fresh listing was fetched again", n)
	}
}

// An edit with nothing to do (an upload a re-check already merged) keeps
// the generation, so nothing downstream is rebuilt for it.
func TestAListingEditThatChangesNothingKeepsTheGeneration(t *testing.T) {
	a := &fakeAPI{items: []string{"a"}}
	l := newTestListing(a, &fakeClock{now: time.Unix(0, 0)}, nil)
	_, gen := get(t, l)
	if _, g, _ := l.Update(func(s []string) []string { return s }); g != gen {
		t.Fatalf("a no-op edit moved the generation %d -> %d", gen, g)
	}
	items, g, _ := l.Update(func(s []string) []string { return append(s, "b") })
	if g != gen+1 || !slices.Equal(items, []string{"a", "b"}) {
		t.Fatalf("an edit gave %v at generation %d, want [a b] at %d", items, g, gen+1)
	}
}
