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
		if answered, _ := m.answers(ctx, name); answered {
			t.Fatalf("%s, the %d. name missed, answered without a re-check", name, i+1)
		}
		m.add(ctx, name, time.Now())
	}
	// Polling one name again and again counts as one name.
	for range 10 {
		m.add(ctx, "polled.png", time.Now())
	}
	if answered, _ := m.answers(ctx, "elsewhere.png"); answered {
		t.Fatalf("%d names missed in a second: answered without a re-check", burstNames)
	}
	m.add(ctx, "one-more.png", time.Now())
	answered, refresh := m.answers(ctx, "elsewhere.png")
	if !answered || refresh {
		t.Fatalf("%d names missed in a second, re-check just now: answered %v, refresh %v; want true, false", burstNames+1, answered, refresh)
	}

	// The re-check ages: half way, a new one is due; past burstFresh, the
	// lookup asks.
	m.lastCheck = time.Now().Add(-burstFresh * 3 / 4)
	if answered, refresh := m.answers(ctx, "elsewhere.png"); !answered || !refresh {
		t.Errorf("re-check %v old: answered %v, refresh %v; want true, true", burstFresh*3/4, answered, refresh)
	}
	m.lastCheck = time.Now().Add(-burstFresh)
	if answered, _ := m.answers(ctx, "elsewhere.png"); answered {
		t.Errorf("re-check %v old: answered without a new one", burstFresh)
	}

	// The burst ends a burstWindow after its last new name.
	m.checked(time.Now())
	for i := range m.firsts {
		m.firsts[i] = m.firsts[i].Add(-burstWindow)
	}
	if answered, _ := m.answers(ctx, "elsewhere.png"); answered {
		t.Errorf("no new name missed for %v: answered without a re-check", burstWindow)
	}
}
