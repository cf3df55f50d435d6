package order

import (
	"slices"
	"testing"
	"time"
)

func TestCursorWireForm(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC)
	tests := []struct {
		name   string
		in     string
		want   Cursor
		hasCur bool
		bad    bool
		plain  bool // read as a plain Krea cursor (no TieBreakCursor)
	}{
		{name: "empty is the start", in: ""},
		{name: "plain RFC 3339", in: "2025-01-02T03:04:05Z", want: Cursor{t: t0.Truncate(time.Second)}, hasCur: true},
		{name: "nanoseconds", in: "2025-01-02T03:04:05.123456789Z", want: Cursor{t: t0}, hasCur: true},
		{name: "offset zone", in: "2025-01-02T04:04:05.123456789+01:00", want: Cursor{t: t0}, hasCur: true},
		{name: "tie-breaker digits", in: "2025-01-02T03:04:05.12345678942Z", want: Cursor{t: t0, seq: 42, hasSeq: true}, hasCur: true},
		{name: "tie-breaker digits ignored by a plain cursor", in: "2025-01-02T03:04:05.12345678942Z", want: Cursor{t: t0}, hasCur: true, plain: true},
		{name: "milliseconds", in: "2025-01-02T03:04:05.123Z", want: Cursor{t: t0.Truncate(time.Millisecond)}, hasCur: true, plain: true},
		{name: "trailing zeros are no tie-breaker", in: "2025-01-02T03:04:05.1234567890000Z", want: Cursor{t: t0}, hasCur: true},
		{name: "garbage", in: "yesterday", bad: true},
		{name: "date only", in: "2025-01-02", bad: true},
		{name: "month 13", in: "2025-13-02T03:04:05Z", bad: true},
		{name: "unix seconds", in: "1735787045", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, has, err := ParseCursor(tc.in, !tc.plain)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseCursor(%q) = %+v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || has != tc.hasCur || !got.t.Equal(tc.want.t) || got.seq != tc.want.seq || got.hasSeq != tc.want.hasSeq {
				t.Fatalf("ParseCursor(%q) = %+v, %v, %v; want %+v, %v", tc.in, got, has, err, tc.want, tc.hasCur)
			}
			if !has {
				return
			}
			// The wire form reads back to the same cursor (a plain one is
			// written to the millisecond, as every emulator timestamp is)
			// and is an instant Go's time.Parse agrees with.
			want := got
			if !got.hasSeq {
				want.t = got.t.Truncate(time.Millisecond)
				if w := got.String(); len(w) != len("2025-01-02T03:04:05.123Z") {
					t.Fatalf("plain cursor %q is not written with exactly milliseconds", w)
				}
			}
			back, _, err := ParseCursor(got.String(), true)
			if err != nil || !back.t.Equal(want.t) || back.seq != want.seq || back.hasSeq != want.hasSeq {
				t.Fatalf("round trip of %q via %q = %+v, %v", tc.in, got.String(), back, err)
			}
			pt, err := time.Parse(time.RFC3339Nano, got.String())
			if err != nil || !pt.Equal(want.t) {
				t.Fatalf("time.Parse(%q) = %v, %v; want %v", got.String(), pt, err, want.t)
			}
		})
	}
}

type item struct {
	id  int
	key Key
}

func TestTieBreakPaginateNeitherSkipsNorRepeatsTies(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := []time.Duration{0, 0, 0, time.Second, time.Second, 2 * time.Second, 0, 0, 3 * time.Second, 3 * time.Second}
	var items []item
	for i, d := range at {
		x := item{id: i, key: Key{T: base.Add(d), Seq: uint64(i + 1)}}
		items = InsertSorted(items, x, func(x item) Key { return x.key })
	}
	for i := 1; i < len(items); i++ {
		if !items[i-1].key.Before(items[i].key) {
			t.Fatalf("items not in list order at %d: %+v", i, items)
		}
	}
	keyOf := func(x item) Key { return x.key }
	filters := map[string]func(item) bool{
		"all":  nil,
		"even": func(x item) bool { return x.id%2 == 0 },
	}
	for fname, keep := range filters {
		var want []int
		for _, x := range items {
			if keep == nil || keep(x) {
				want = append(want, x.id)
			}
		}
		for limit := 1; limit <= len(items)+1; limit++ {
			var got []int
			cur, has := Cursor{}, false
			for pages := 0; ; pages++ {
				if pages > len(items)+1 {
					t.Fatalf("%s/limit %d: pagination does not end", fname, limit)
				}
				page, next := Paginate(items, keyOf, keep, cur, has, limit, true)
				if len(page) > limit {
					t.Fatalf("%s/limit %d: page of %d", fname, limit, len(page))
				}
				for _, x := range page {
					got = append(got, x.id)
				}
				if next == "" {
					break
				}
				var err error
				if cur, has, err = ParseCursor(next, true); err != nil {
					t.Fatalf("next_cursor %q does not parse: %v", next, err)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s/limit %d: paged %v, want %v", fname, limit, got, want)
			}
		}
	}
}

// A plain cursor is "older than T": a page that ends inside a run of equal
// timestamps loses the rest of the run, and nothing is ever repeated.
func TestPlainCursorSkipsTheRestOfATieRun(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var items []item
	// Newest first: 1 at +3ms, 4 at +2ms, 2 at +1ms, 1 at +0ms.
	for i, ms := range []int{0, 1, 1, 2, 2, 2, 2, 3} {
		x := item{id: i, key: Key{T: base.Add(time.Duration(ms) * time.Millisecond), Seq: uint64(i + 1)}}
		items = InsertSorted(items, x, func(x item) Key { return x.key })
	}
	keyOf := func(x item) Key { return x.key }
	page := func(cur string, limit int) ([]int, string) {
		c, has, err := ParseCursor(cur, false)
		if err != nil {
			t.Fatal(err)
		}
		p, next := Paginate(items, keyOf, nil, c, has, limit, false)
		var ids []int
		for _, x := range p {
			ids = append(ids, x.id)
		}
		return ids, next
	}
	ids, next := page("", 3)
	if !slices.Equal(ids, []int{7, 6, 5}) || next != "2025-01-01T00:00:00.002Z" {
		t.Fatalf("first page %v, cursor %q", ids, next)
	}
	// Items 4 and 3 share +2ms with the cursor: a plain cursor skips them.
	ids, next = page(next, 3)
	if !slices.Equal(ids, []int{2, 1, 0}) || next != "" {
		t.Fatalf("second page %v, cursor %q; want the +1ms and +0ms items and no cursor", ids, next)
	}
	// A page holding a whole run moves on normally.
	ids, next = page("", 5)
	if !slices.Equal(ids, []int{7, 6, 5, 4, 3}) || next != "2025-01-01T00:00:00.002Z" {
		t.Fatalf("page of 5: %v, cursor %q", ids, next)
	}
	if ids, _ = page(next, 5); !slices.Equal(ids, []int{2, 1, 0}) {
		t.Fatalf("after a whole run: %v", ids)
	}
}
