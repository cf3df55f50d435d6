package misses

import (
	"fmt"
	"testing"
	"time"
)

func TestMissesOfManyNewNamesWithinASecondAreAnsweredFromARecentRecheck(t *testing.T) {
	const pid = 0 // no FUSE caller: only the burst rule answers
	var m Memo
	m.Checked(time.Now())
	for i := range BurstNames - 1 {
		name := fmt.Sprintf("new-%d.png", i)
		if answered, _, _ := m.Answers(pid, name); answered {
			t.Fatalf("%s, the %d. name missed, answered without a re-check", name, i+1)
		}
		m.Add(pid, name, time.Now())
	}
	// Polling one name again and again counts as one name.
	for range 10 {
		m.Add(pid, "polled.png", time.Now())
	}
	if answered, _, _ := m.Answers(pid, "elsewhere.png"); answered {
		t.Fatalf("%d names missed in a second: answered without a re-check", BurstNames)
	}
	m.Add(pid, "one-more.png", time.Now())
	answered, refresh, cacheFor := m.Answers(pid, "elsewhere.png")
	if !answered || refresh {
		t.Fatalf("%d names missed in a second, re-check just now: answered %v, refresh %v; want true, false", BurstNames+1, answered, refresh)
	}
	// The kernel may keep the answer while the rule would give it.
	if cacheFor <= BurstFresh*9/10 || cacheFor > BurstFresh {
		t.Fatalf("answer of a re-check begun just now kept for %v, want just under %v", cacheFor, BurstFresh)
	}
	if d := m.TempFor(time.Now()); d != BurstFresh {
		t.Fatalf("during a burst a temp name's miss is kept for %v, want %v", d, BurstFresh)
	}

	// The re-check ages: half way, a new one is due; past BurstFresh, the
	// lookup asks.
	m.lastCheck = time.Now().Add(-BurstFresh * 3 / 4)
	if answered, refresh, cacheFor := m.Answers(pid, "elsewhere.png"); !answered || !refresh || cacheFor > BurstFresh/4 {
		t.Errorf("re-check %v old: answered %v, refresh %v, kept %v; want true, true, at most %v", BurstFresh*3/4, answered, refresh, cacheFor, BurstFresh/4)
	}
	m.lastCheck = time.Now().Add(-BurstFresh)
	if answered, _, _ := m.Answers(pid, "elsewhere.png"); answered {
		t.Errorf("re-check %v old: answered without a new one", BurstFresh)
	}

	// The burst ends a BurstWindow after its last new name.
	m.Checked(time.Now())
	for i := range m.firsts {
		m.firsts[i] = m.firsts[i].Add(-BurstWindow)
	}
	if answered, _, _ := m.Answers(pid, "elsewhere.png"); answered {
		t.Errorf("no new name missed for %v: answered without a re-check", BurstWindow)
	}
	if d := m.TempFor(time.Now()); d != 0 {
		t.Errorf("after the burst a temp name's miss is kept for %v, want 0", d)
	}
}
