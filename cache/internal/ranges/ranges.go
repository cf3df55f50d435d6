// Package ranges is the byte-range arithmetic of the content cache: a Span
// of an object's bytes, a Set of them (which bytes of an object are
// present, which are missing from a range) and the rounding of offsets to
// whole chunks. A Set is kept normalised (sorted, non-empty, no two
// overlapping or touching) by every operation; Add and Remove return the
// new Set and never change the one they were given in place.
//
// It is plain data with no lock: the cache keeps each object's Set under
// Store.mu.
package ranges

import (
	"fmt"
	"sort"
)

// Span is the half-open byte range [Start, End) of an object.
type Span struct {
	Start, End int64
}

// Len is the number of bytes in r.
func (r Span) Len() int64 { return r.End - r.Start }

func (r Span) String() string { return fmt.Sprintf("[%d,%d)", r.Start, r.End) }

// Set is a set of byte ranges, kept normalised: sorted by Start, each
// non-empty, no two overlapping or touching. The zero value is the empty set.
// A Set is plain data; callers provide locking.
type Set []Span

// Total is the number of bytes in the set.
func (s Set) Total() int64 {
	var n int64
	for _, r := range s {
		n += r.Len()
	}
	return n
}

// Add inserts r and returns the set and the number of bytes that were not
// in the set before.
func (s Set) Add(r Span) (Set, int64) {
	if r.End <= r.Start {
		return s, 0
	}
	// i: first span that ends at or after r.Start (may touch or overlap r).
	i := sort.Search(len(s), func(k int) bool { return s[k].End >= r.Start })
	// j: first span that starts after r.End (cannot touch r).
	j := sort.Search(len(s), func(k int) bool { return s[k].Start > r.End })
	added := r.Len()
	merged := r
	for k := i; k < j; k++ {
		added -= overlap(s[k], r)
		merged.Start = min(merged.Start, s[k].Start)
		merged.End = max(merged.End, s[k].End)
	}
	out := make(Set, 0, len(s)-(j-i)+1)
	out = append(out, s[:i]...)
	out = append(out, merged)
	out = append(out, s[j:]...)
	return out, added
}

// Remove deletes r from the set and returns the set and the number of bytes
// removed.
func (s Set) Remove(r Span) (Set, int64) {
	if r.End <= r.Start {
		return s, 0
	}
	var removed int64
	out := make(Set, 0, len(s)+1)
	for _, x := range s {
		if x.End <= r.Start || x.Start >= r.End {
			out = append(out, x)
			continue
		}
		removed += overlap(x, r)
		if x.Start < r.Start {
			out = append(out, Span{x.Start, r.Start})
		}
		if x.End > r.End {
			out = append(out, Span{r.End, x.End})
		}
	}
	return out, removed
}

// Contains reports whether every byte of r is in the set (true for empty r).
func (s Set) Contains(r Span) bool {
	if r.End <= r.Start {
		return true
	}
	return s.RunFrom(r.Start) >= r.End
}

// RunFrom returns the end of the contiguous run of present bytes starting at
// off, or off itself when byte off is not present.
func (s Set) RunFrom(off int64) int64 {
	i := sort.Search(len(s), func(k int) bool { return s[k].End > off })
	if i < len(s) && s[i].Start <= off {
		return s[i].End
	}
	return off
}

// Missing returns the parts of r that are not in the set, in order.
func (s Set) Missing(r Span) Set {
	if r.End <= r.Start {
		return nil
	}
	var out Set
	cur := r.Start
	i := sort.Search(len(s), func(k int) bool { return s[k].End > r.Start })
	for ; i < len(s) && s[i].Start < r.End; i++ {
		if s[i].Start > cur {
			out = append(out, Span{cur, s[i].Start})
		}
		cur = max(cur, s[i].End)
	}
	if cur < r.End {
		out = append(out, Span{cur, r.End})
	}
	return out
}

// MaxOffset is above every offset and size: it stands for "the end of an
// object of unknown size".
const MaxOffset = int64(1) << 62

func overlap(a, b Span) int64 {
	lo, hi := max(a.Start, b.Start), min(a.End, b.End)
	if hi <= lo {
		return 0
	}
	return hi - lo
}

// AlignDown rounds x down to a multiple of c (c > 0).
func AlignDown(x, c int64) int64 { return x - x%c }

// AlignUp rounds x up to a multiple of c (c > 0), saturating at MaxOffset.
func AlignUp(x, c int64) int64 {
	if x >= MaxOffset-c {
		return MaxOffset
	}
	if r := x % c; r != 0 {
		return x + c - r
	}
	return x
}
