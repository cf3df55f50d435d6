package view

import (
	"fmt"
	"maps"
	"testing"
)

// An Index grown one entry at a time reads like the plain map with the
// same entries at every step, leaves the Index it grew from as it was,
// and keeps its top small (folded into a new base past sqrt(len)).
func TestAnIndexGrownOneEntryAtATimeReadsLikeThePlainMap(t *testing.T) {
	base := map[string]int{}
	for i := range 1000 {
		base[fmt.Sprint("base-", i)] = i
	}
	want := maps.Clone(base)
	x := indexOf(maps.Clone(base))
	for i := range 2000 {
		k := fmt.Sprint("added-", i)
		prev, prevLen := x, x.Len()
		x = x.with(map[string]int{k: -i})
		want[k] = -i
		if _, ok := prev.Get(k); ok || prev.Len() != prevLen {
			t.Fatalf("step %d changed the index it grew from", i)
		}
		if v, ok := x.Get(k); !ok || v != -i || x.At("base-7") != 7 || x.Len() != len(want) {
			t.Fatalf("step %d: Get(%s) = %d %v, Len %d, want %d entries", i, k, v, ok, x.Len(), len(want))
		}
		if n := len(x.top); n*n > len(x.base) {
			t.Fatalf("step %d: top of %d over a base of %d", i, n, len(x.base))
		}
	}
	if !maps.Equal(x.Map(), want) {
		t.Fatal("Map differs from the plain map")
	}
	seen := 0
	for k, v := range x.All() {
		if want[k] != v {
			t.Fatalf("All gives %s = %d, want %d", k, v, want[k])
		}
		seen++
	}
	if seen != len(want) {
		t.Fatalf("All gives %d entries, want %d", seen, len(want))
	}
}
