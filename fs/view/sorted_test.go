package view

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// A lazily sorted list reads like the list sorted at once, whatever the
// order of additions and reads, from many goroutines, and leaves the
// lists it grew from as they were.
func TestALazySortedListReadsLikeTheSortedList(t *testing.T) {
	s := sortedOf([]string{"b", "d"})
	want := []string{"b", "d"}
	var lists []*lazySorted
	var wants [][]string
	for i := range 3 * maxChain {
		add := []string{fmt.Sprintf("n%03d", (i*37)%1000), fmt.Sprintf("a%03d", i)}
		s = s.plus(add)
		want = append(slices.Clone(want), add...)
		slices.Sort(want)
		lists, wants = append(lists, s), append(wants, want)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := len(lists) - 1 - g; i >= 0; i -= 4 {
				if got := lists[i].get(); !slices.Equal(got, wants[i]) {
					t.Errorf("list %d: %v, want %v", i, got, wants[i])
					return
				}
			}
		})
	}
	wg.Wait()
	if got := s.plus([]string{"c"}).get(); !slices.Contains(got, "c") || len(got) != len(want)+1 || !slices.IsSorted(got) {
		t.Fatalf("after the reads: %v", got)
	}
	if !slices.Equal(s.get(), want) {
		t.Fatal("growing changed the list it grew from")
	}
}
