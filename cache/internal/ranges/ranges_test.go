package ranges

import (
	"encoding/binary"
	"reflect"
	"testing"
)

func sp(pairs ...int64) Set {
	var s Set
	for i := 0; i+1 < len(pairs); i += 2 {
		s = append(s, Span{pairs[i], pairs[i+1]})
	}
	return s
}

func TestSpansAdd(t *testing.T) {
	tests := []struct {
		name  string
		set   Set
		add   Span
		want  Set
		added int64
	}{
		{"into empty", nil, Span{5, 10}, sp(5, 10), 5},
		{"empty range", sp(0, 4), Span{7, 7}, sp(0, 4), 0},
		{"before, apart", sp(10, 20), Span{0, 5}, sp(0, 5, 10, 20), 5},
		{"after, apart", sp(10, 20), Span{30, 40}, sp(10, 20, 30, 40), 10},
		{"touching left merges", sp(10, 20), Span{5, 10}, sp(5, 20), 5},
		{"touching right merges", sp(10, 20), Span{20, 25}, sp(10, 25), 5},
		{"inside", sp(10, 20), Span{12, 15}, sp(10, 20), 0},
		{"same", sp(10, 20), Span{10, 20}, sp(10, 20), 0},
		{"overlap left", sp(10, 20), Span{5, 15}, sp(5, 20), 5},
		{"bridges two", sp(0, 10, 20, 30), Span{10, 20}, sp(0, 30), 10},
		{"covers several", sp(5, 6, 8, 9, 12, 14), Span{0, 20}, sp(0, 20), 16},
		{"between, apart", sp(0, 10, 30, 40), Span{15, 25}, sp(0, 10, 15, 25, 30, 40), 10},
		{"overlap right part of first and start of second", sp(0, 10, 20, 30), Span{5, 25}, sp(0, 30), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, added := tt.set.Add(tt.add)
			if !reflect.DeepEqual(got, tt.want) || added != tt.added {
				t.Errorf("%v.Add(%v) = %v, %d; want %v, %d", tt.set, tt.add, got, added, tt.want, tt.added)
			}
			if !got.valid() {
				t.Errorf("result %v not normalised", got)
			}
		})
	}
}

func TestSpansRemove(t *testing.T) {
	tests := []struct {
		name    string
		set     Set
		rm      Span
		want    Set
		removed int64
	}{
		{"from empty", nil, Span{0, 10}, Set{}, 0},
		{"disjoint", sp(10, 20), Span{0, 10}, sp(10, 20), 0},
		{"whole", sp(10, 20), Span{10, 20}, Set{}, 10},
		{"middle splits", sp(0, 30), Span{10, 20}, sp(0, 10, 20, 30), 10},
		{"head", sp(10, 20), Span{0, 15}, sp(15, 20), 5},
		{"tail", sp(10, 20), Span{15, 100}, sp(10, 15), 5},
		{"across several", sp(0, 10, 20, 30, 40, 50), Span{5, 45}, sp(0, 5, 45, 50), 20},
		{"clip to size", sp(0, 10, 20, 30), Span{25, MaxOffset}, sp(0, 10, 20, 25), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, removed := tt.set.Remove(tt.rm)
			if len(got) == 0 && len(tt.want) == 0 {
				got, tt.want = nil, nil
			}
			if !reflect.DeepEqual(got, tt.want) || removed != tt.removed {
				t.Errorf("%v.Remove(%v) = %v, %d; want %v, %d", tt.set, tt.rm, got, removed, tt.want, tt.removed)
			}
		})
	}
}

func TestSpansQueries(t *testing.T) {
	set := sp(0, 10, 20, 30, 50, 60)
	tests := []struct {
		name     string
		r        Span
		contains bool
		missing  Set
		runFrom  int64 // runFrom(r.Start)
	}{
		{"inside first", Span{2, 8}, true, nil, 10},
		{"exactly second", Span{20, 30}, true, nil, 30},
		{"empty range", Span{40, 40}, true, nil, 40},
		{"gap only", Span{12, 18}, false, sp(12, 18), 12},
		{"straddles gap", Span{5, 25}, false, sp(10, 20), 10},
		{"across everything", Span{0, 70}, false, sp(10, 20, 30, 50, 60, 70), 10},
		{"starts at end of a run", Span{10, 20}, false, sp(10, 20), 10},
		{"beyond all", Span{100, 200}, false, sp(100, 200), 100},
		{"starts in gap, ends in run", Span{40, 55}, false, sp(40, 50), 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := set.Contains(tt.r); got != tt.contains {
				t.Errorf("contains(%v) = %v", tt.r, got)
			}
			if got := set.Missing(tt.r); !reflect.DeepEqual(got, tt.missing) {
				t.Errorf("missing(%v) = %v, want %v", tt.r, got, tt.missing)
			}
			if got := set.RunFrom(tt.r.Start); got != tt.runFrom {
				t.Errorf("runFrom(%d) = %d, want %d", tt.r.Start, got, tt.runFrom)
			}
		})
	}
	if got := set.Total(); got != 30 {
		t.Errorf("total = %d", got)
	}
}

func TestAlign(t *testing.T) {
	tests := []struct {
		x, c, down, up int64
	}{
		{0, 64, 0, 0},
		{1, 64, 0, 64},
		{63, 64, 0, 64},
		{64, 64, 64, 64},
		{65, 64, 64, 128},
		{1<<20 + 5, 1 << 20, 1 << 20, 2 << 20},
		{MaxOffset - 1, 1 << 20, MaxOffset - (1 << 20), MaxOffset},
		{MaxOffset, 1 << 20, MaxOffset, MaxOffset},
	}
	for _, tt := range tests {
		if got := AlignDown(tt.x, tt.c); got != tt.down {
			t.Errorf("AlignDown(%d, %d) = %d, want %d", tt.x, tt.c, got, tt.down)
		}
		if got := AlignUp(tt.x, tt.c); got != tt.up {
			t.Errorf("AlignUp(%d, %d) = %d, want %d", tt.x, tt.c, got, tt.up)
		}
	}
}

func TestSpansValid(t *testing.T) {
	tests := []struct {
		s    Set
		want bool
	}{
		{nil, true},
		{sp(0, 1), true},
		{sp(0, 1, 2, 3), true},
		{sp(0, 1, 1, 3), false}, // touching: should have been merged
		{sp(0, 5, 3, 8), false},
		{sp(5, 5), false},
		{sp(-1, 5), false},
		{sp(10, 20, 0, 5), false},
	}
	for _, tt := range tests {
		if got := tt.s.valid(); got != tt.want {
			t.Errorf("%v.valid() = %v", tt.s, got)
		}
	}
}

// FuzzRanges checks the span set against a bitmap model under a random
// sequence of adds and removes.
func FuzzRanges(f *testing.F) {
	f.Add([]byte{0, 3, 9, 1, 4, 6, 0, 20, 30})
	f.Add([]byte{0, 0, 255, 1, 10, 11, 0, 11, 12, 1, 0, 255})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const n = 256
		var model [n + 1]bool
		var set Set
		for len(ops) >= 3 {
			op, a, b := ops[0], int64(ops[1]), int64(ops[2])
			ops = ops[3:]
			if a > b {
				a, b = b, a
			}
			r := Span{a, b}
			var want int64
			for i := a; i < b; i++ {
				if model[i] == (op%2 == 0) {
					continue
				}
				want++
				model[i] = op%2 == 0
			}
			var got int64
			if op%2 == 0 {
				set, got = set.Add(r)
			} else {
				set, got = set.Remove(r)
			}
			if got != want {
				t.Fatalf("op %d %v changed %d bytes, model says %d", op%2, r, got, want)
			}
			if !set.valid() {
				t.Fatalf("not normalised: %v", set)
			}
		}
		var total int64
		for i := range int64(n) {
			if model[i] {
				total++
			}
			if got := set.Contains(Span{i, i + 1}); got != model[i] {
				t.Fatalf("contains(%d) = %v, model %v; set %v", i, got, model[i], set)
			}
			run := i
			for run < n && model[run] {
				run++
			}
			if got := set.RunFrom(i); got != run {
				t.Fatalf("runFrom(%d) = %d, model %d", i, got, run)
			}
		}
		if set.Total() != total {
			t.Fatalf("total %d, model %d", set.Total(), total)
		}
		// missing(r) + present part of r == r, with no overlap.
		var seed [2]byte
		binary.LittleEndian.PutUint16(seed[:], uint16(total))
		r := Span{int64(seed[0]) % 128, 128 + int64(seed[1])%128}
		var miss int64
		for _, m := range set.Missing(r) {
			if m.Start < r.Start || m.End > r.End || m.Len() <= 0 {
				t.Fatalf("missing(%v) gave %v", r, m)
			}
			for i := m.Start; i < m.End; i++ {
				if model[i] {
					t.Fatalf("missing(%v) includes present byte %d", r, i)
				}
			}
			miss += m.Len()
		}
		var absent int64
		for i := r.Start; i < r.End; i++ {
			if !model[i] {
				absent++
			}
		}
		if miss != absent {
			t.Fatalf("missing(%v) = %d bytes, model %d", r, miss, absent)
		}
	})
}

// valid reports whether s is normalised (what every operation must keep).
func (s Set) valid() bool {
	for i, r := range s {
		if r.Start < 0 || r.End <= r.Start {
			return false
		}
		if i > 0 && r.Start <= s[i-1].End {
			return false
		}
	}
	return true
}
