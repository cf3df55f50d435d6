package cache

import (
	"fmt"
	"sort"

	"github.com/kreafs/kreafs/cache/internal/index"
)

// span is the half-open byte range [Start, End) of an object.
type span struct {
	Start, End int64
}

func (r span) len() int64 { return r.End - r.Start }

func (r span) String() string { return fmt.Sprintf("[%d,%d)", r.Start, r.End) }

// spans is a set of byte ranges, kept normalised: sorted by Start, each
// non-empty, no two overlapping or touching. The zero value is the empty set.
// A spans value is plain data; callers provide locking.
type spans []span

// total is the number of bytes in the set.
func (s spans) total() int64 {
	var n int64
	for _, r := range s {
		n += r.len()
	}
	return n
}

// add inserts r and returns the set and the number of bytes that were not
// in the set before.
func (s spans) add(r span) (spans, int64) {
	if r.End <= r.Start {
		return s, 0
	}
	// i: first span that ends at or after r.Start (may touch or overlap r).
	i := sort.Search(len(s), func(k int) bool { return s[k].End >= r.Start })
	// j: first span that starts after r.End (cannot touch r).
	j := sort.Search(len(s), func(k int) bool { return s[k].Start > r.End })
	added := r.len()
	merged := r
	for k := i; k < j; k++ {
		added -= overlap(s[k], r)
		merged.Start = min(merged.Start, s[k].Start)
		merged.End = max(merged.End, s[k].End)
	}
	out := make(spans, 0, len(s)-(j-i)+1)
	out = append(out, s[:i]...)
	out = append(out, merged)
	out = append(out, s[j:]...)
	return out, added
}

// remove deletes r from the set and returns the set and the number of bytes
// removed.
func (s spans) remove(r span) (spans, int64) {
	if r.End <= r.Start {
		return s, 0
	}
	var removed int64
	out := make(spans, 0, len(s)+1)
	for _, x := range s {
		if x.End <= r.Start || x.Start >= r.End {
			out = append(out, x)
			continue
		}
		removed += overlap(x, r)
		if x.Start < r.Start {
			out = append(out, span{x.Start, r.Start})
		}
		if x.End > r.End {
			out = append(out, span{r.End, x.End})
		}
	}
	return out, removed
}

// contains reports whether every byte of r is in the set (true for empty r).
func (s spans) contains(r span) bool {
	if r.End <= r.Start {
		return true
	}
	return s.runFrom(r.Start) >= r.End
}

// runFrom returns the end of the contiguous run of present bytes starting at
// off, or off itself when byte off is not present.
func (s spans) runFrom(off int64) int64 {
	i := sort.Search(len(s), func(k int) bool { return s[k].End > off })
	if i < len(s) && s[i].Start <= off {
		return s[i].End
	}
	return off
}

// missing returns the parts of r that are not in the set, in order.
func (s spans) missing(r span) spans {
	if r.End <= r.Start {
		return nil
	}
	var out spans
	cur := r.Start
	i := sort.Search(len(s), func(k int) bool { return s[k].End > r.Start })
	for ; i < len(s) && s[i].Start < r.End; i++ {
		if s[i].Start > cur {
			out = append(out, span{cur, s[i].Start})
		}
		cur = max(cur, s[i].End)
	}
	if cur < r.End {
		out = append(out, span{cur, r.End})
	}
	return out
}

// maxOffset stands for "the end of an object of unknown size".
const maxOffset = index.MaxOffset

func overlap(a, b span) int64 {
	lo, hi := max(a.Start, b.Start), min(a.End, b.End)
	if hi <= lo {
		return 0
	}
	return hi - lo
}

// alignDown rounds x down to a multiple of c (c > 0).
func alignDown(x, c int64) int64 { return x - x%c }

// alignUp rounds x up to a multiple of c (c > 0), saturating at maxOffset.
func alignUp(x, c int64) int64 {
	if x >= maxOffset-c {
		return maxOffset
	}
	if r := x % c; r != 0 {
		return x + c - r
	}
	return x
}
