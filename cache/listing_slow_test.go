package cache

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

// A listing whose refresh hangs (an API that accepts and answers nothing)
// is served from the last one after StaleAfter, with one warning; the
// hanging fetch's result is used once it arrives. Found by the integration
// test TestEveryOperationReturnsWithinItsBoundWhenTheAPIStalls (ls waited a
// minute with a listing in hand).
func TestListingSlowRefreshServesTheLastListing(t *testing.T) {
	a := &fakeAPI{items: []string{"old"}}
	clk := &fakeClock{now: time.Unix(0, 0)}
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	l := NewListing(ListingConfig[string]{
		TTL: 10 * time.Second, Clock: clk.Now, Fetch: a.fetch, Log: log, Name: "test",
		StaleAfter: 50 * time.Millisecond,
	})
	if items, _ := get(t, l); !slices.Equal(items, []string{"old"}) {
		t.Fatalf("first Get: %v", items)
	}

	// The next fetch hangs until released.
	hold := make(chan struct{})
	a.set(func(a *fakeAPI) { a.items, a.hold, a.entered = []string{"new"}, hold, make(chan struct{}, 1) })
	clk.Advance(11 * time.Second)
	for i, call := range []func(context.Context) ([]string, uint64, error){l.Get, l.Refresh, l.Get} {
		items, _, err := call(context.Background())
		if err != nil || !slices.Equal(items, []string{"old"}) {
			t.Fatalf("call %d during a hanging refresh: %v %v, want the last listing", i, items, err)
		}
	}
	if c := a.numCalls(); c != 2 {
		t.Errorf("%d fetches, want 2 (the hanging one is shared)", c)
	}
	warnings := 0
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel && strings.Contains(e.Message, "serving the last known listing") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("%d warnings for one slow refresh, want 1", warnings)
	}

	// The fetch completes: its listing is served from then on.
	close(hold)
	deadline := time.Now().Add(5 * time.Second)
	for {
		items, _ := get(t, l)
		if slices.Equal(items, []string{"new"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the listing of the slow fetch never replaced the old one: %v", items)
		}
		time.Sleep(5 * time.Millisecond)
	}
	last := hook.LastEntry()
	if last == nil || !strings.Contains(last.Message, "works again") {
		t.Errorf("no log line that listings work again after the slow refresh completed")
	}
}

// Without an earlier listing there is nothing to serve: callers wait for
// the fetch whatever StaleAfter says.
func TestListingSlowFirstFetchIsWaitedFor(t *testing.T) {
	hold := make(chan struct{})
	a := &fakeAPI{items: []string{"x"}, hold: hold, entered: make(chan struct{}, 1)}
	l := NewListing(ListingConfig[string]{
		TTL: 10 * time.Second, Clock: (&fakeClock{}).Now, Fetch: a.fetch, Log: quietLog(), Name: "test",
		StaleAfter: time.Millisecond,
	})
	got := make(chan []string, 1)
	go func() {
		items, _, _ := l.Get(context.Background())
		got <- items
	}()
	<-a.entered
	select {
	case items := <-got:
		t.Fatalf("Get returned %v before the first fetch completed", items)
	case <-time.After(50 * time.Millisecond):
	}
	close(hold)
	if items := <-got; !slices.Equal(items, []string{"x"}) {
		t.Errorf("first Get: %v", items)
	}
}
