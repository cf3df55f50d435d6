package node

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestProbeMemoRemembersFailuresForProbeFailFast(t *testing.T) {
	var p probeMemo
	t0 := time.Unix(1000, 0)
	boom := errors.New("file host refused")
	if err := p.get("a", t0, attrProbeWait); err != nil {
		t.Fatalf("empty memo: %v", err)
	}
	p.put("a", t0, attrProbeWait, boom)
	for _, tc := range []struct {
		story string
		id    string
		at    time.Time
		want  error
	}{
		{"the same asset right after", "a", t0.Add(time.Second), boom},
		{"just before the window ends", "a", t0.Add(probeFailFast - time.Millisecond), boom},
		{"another asset", "b", t0.Add(time.Second), nil},
		{"after the window", "a", t0.Add(probeFailFast), nil},
		{"and not again once expired", "a", t0.Add(time.Second), nil},
	} {
		if got := p.get(tc.id, tc.at, sizeProbeTimeout); !errors.Is(got, tc.want) || (tc.want == nil && got != nil) {
			t.Errorf("%s: get = %v, want %v", tc.story, got, tc.want)
		}
	}
}

// A stat's probe that ran out of its short wait answers the next stats, not
// an open, which waits longer; an open's own timeout answers both.
func TestASlowStatProbeDoesNotFailAnOpen(t *testing.T) {
	var p probeMemo
	t0 := time.Unix(1000, 0)
	slow := fmt.Errorf("probe: %w", context.DeadlineExceeded)
	p.put("a", t0, attrProbeWait, slow)
	if err := p.get("a", t0.Add(time.Second), attrProbeWait); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the next stat: %v, want the remembered timeout", err)
	}
	if err := p.get("a", t0.Add(time.Second), sizeProbeTimeout); err != nil {
		t.Errorf("an open after a slow stat: %v, want a probe of its own", err)
	}
	p.put("a", t0, sizeProbeTimeout, slow)
	for _, bound := range []time.Duration{attrProbeWait, sizeProbeTimeout} {
		if err := p.get("a", t0.Add(time.Second), bound); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("after an open's probe timed out, a probe waiting %v: %v, want the timeout", bound, err)
		}
	}
}
