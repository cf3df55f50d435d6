package fs

import (
	"errors"
	"testing"
	"time"
)

func TestProbeMemoRemembersFailuresForProbeFailFast(t *testing.T) {
	var p probeMemo
	t0 := time.Unix(1000, 0)
	boom := errors.New("file host refused")
	if err := p.get("a", t0); err != nil {
		t.Fatalf("empty memo: %v", err)
	}
	p.put("a", t0, boom)
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
		if got := p.get(tc.id, tc.at); !errors.Is(got, tc.want) || (tc.want == nil && got != nil) {
			t.Errorf("%s: get = %v, want %v", tc.story, got, tc.want)
		}
	}
}
