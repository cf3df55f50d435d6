package assets

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestMissesOfManyNewNamesWithinASecondAreAnsweredFromARecentRecheck(t *testing.T) {
	ctx := context.Background() // no FUSE caller: only the burst rule answers
	var m missMemo
	m.checked(time.Now())
	for i := range burstNames - 1 {
		name := fmt.Sprintf("new-%d.png", i)
		if answered, _, _ := m.answers(ctx, name); answered {
			t.Fatalf("%s, the %d. name missed, answered without a re-check", name, i+1)
		}
		m.add(ctx, name, time.Now())
	}
	// Polling one name again and again counts as one name.
	for range 10 {
		m.add(ctx, "polled.png", time.Now())
	}
	if answered, _, _ := m.answers(ctx, "elsewhere.png"); answered {
		t.Fatalf("%d names missed in a second: answered without a re-check", burstNames)
	}
	m.add(ctx, "one-more.png", time.Now())
	answered, refresh, cacheFor := m.answers(ctx, "elsewhere.png")
	if !answered || refresh {
		t.Fatalf("%d names missed in a second, re-check just now: answered %v, refresh %v; want true, false", burstNames+1, answered, refresh)
	}
	// The kernel may keep the answer while the rule would give it.
	if cacheFor <= burstFresh*9/10 || cacheFor > burstFresh {
		t.Fatalf("answer of a re-check begun just now kept for %v, want just under %v", cacheFor, burstFresh)
	}
	if d := m.tempFor(time.Now()); d != burstFresh {
		t.Fatalf("during a burst a temp name's miss is kept for %v, want %v", d, burstFresh)
	}

	// The re-check ages: half way, a new one is due; past burstFresh, the
	// lookup asks.
	m.lastCheck = time.Now().Add(-burstFresh * 3 / 4)
	if answered, refresh, cacheFor := m.answers(ctx, "elsewhere.png"); !answered || !refresh || cacheFor > burstFresh/4 {
		t.Errorf("re-check %v old: answered %v, refresh %v, kept %v; want true, true, at most %v", burstFresh*3/4, answered, refresh, cacheFor, burstFresh/4)
	}
	m.lastCheck = time.Now().Add(-burstFresh)
	if answered, _, _ := m.answers(ctx, "elsewhere.png"); answered {
		t.Errorf("re-check %v old: answered without a new one", burstFresh)
	}

	// The burst ends a burstWindow after its last new name.
	m.checked(time.Now())
	for i := range m.firsts {
		m.firsts[i] = m.firsts[i].Add(-burstWindow)
	}
	if answered, _, _ := m.answers(ctx, "elsewhere.png"); answered {
		t.Errorf("no new name missed for %v: answered without a re-check", burstWindow)
	}
	if d := m.tempFor(time.Now()); d != 0 {
		t.Errorf("after the burst a temp name's miss is kept for %v, want 0", d)
	}
}
