package node

import (
	"slices"
	"testing"
)

// A count handed over during a RELEASE drops only once that RELEASE and
// every other one that was in progress have ended; outside any RELEASE it
// drops at once.
func TestACountHandedOverDuringAReleaseDropsWhenEveryReleaseInProgressHasEnded(t *testing.T) {
	var r releases
	var ran []string
	r.after(func() { ran = append(ran, "outside") })
	if !slices.Equal(ran, []string{"outside"}) {
		t.Fatalf("outside a RELEASE: ran %v, want it at once", ran)
	}
	a := r.begin()
	b := r.begin()
	r.after(func() { ran = append(ran, "during a and b") })
	c := r.begin() // started after the hand-over: not waited for
	r.end(b)
	if len(ran) != 1 {
		t.Fatalf("ran %v with RELEASE a still in progress", ran)
	}
	r.end(a)
	if !slices.Equal(ran, []string{"outside", "during a and b"}) {
		t.Fatalf("after a and b ended: ran %v", ran)
	}
	r.after(func() { ran = append(ran, "during c") })
	r.end(c)
	if !slices.Equal(ran, []string{"outside", "during a and b", "during c"}) || len(r.waiting) != 0 || len(r.running) != 0 {
		t.Fatalf("after c ended: ran %v, %d waiting, %d running", ran, len(r.waiting), len(r.running))
	}
}
