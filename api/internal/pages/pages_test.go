package pages

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestPageCursor(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"items":[],"next_cursor":"2025-01-01T00:00:00Z"}`, "2025-01-01T00:00:00Z"},
		{`{"items":[],"nextCursor":"c2"}`, "c2"},
		{`{"items":[],"next_cursor":null,"nextCursor":"c3"}`, "c3"},
		{`{"items":[],"next_cursor":null}`, ""},
		{`{"items":[]}`, ""},
		{`{"items":[],"next_cursor":""}`, ""},
		{`{"items":[],"next_cursor":"  "}`, ""},
		{`{"items":[],"next_cursor":1735689600123}`, "1735689600123"},
		{`{"items":[],"next_cursor":{"weird":true}}`, ""},
	} {
		var p RawPage
		if err := json.Unmarshal([]byte(tc.body), &p); err != nil {
			t.Fatal(err)
		}
		if got := p.Cursor(); got != tc.want {
			t.Errorf("%s: cursor %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestCollect(t *testing.T) {
	type page struct {
		items []string
		next  string
	}
	for _, tc := range []struct {
		name    string
		pages   map[string]page
		want    string
		wantErr bool
	}{
		{"one page", map[string]page{"": {[]string{"a", "b"}, ""}}, "a,b", false},
		{"three pages", map[string]page{"": {[]string{"a"}, "1"}, "1": {[]string{"b"}, "2"}, "2": {[]string{"c"}, ""}}, "a,b,c", false},
		{"repeated cursor", map[string]page{"": {[]string{"a"}, "1"}, "1": {[]string{"b"}, "1"}}, "", true},
		{"cursor back to start", map[string]page{"": {[]string{"a"}, "1"}, "1": {[]string{"b"}, "2"}, "2": {[]string{"c"}, "1"}}, "", true},
		{"empty page with cursor ends", map[string]page{"": {[]string{"a"}, "1"}, "1": {nil, "2"}}, "a", false},
		{"duplicates across pages dropped", map[string]page{"": {[]string{"a", "b"}, "1"}, "1": {[]string{"b", "c"}, ""}}, "a,b,c", false},
	} {
		calls := 0
		got, err := Collect(context.Background(), &Config{Op: "GET /x"}, func(r Req) ([]string, string, error) {
			cursor := r.Cursor
			calls++
			if calls > 10 {
				t.Fatalf("%s: looping", tc.name)
			}
			p, ok := tc.pages[cursor]
			if !ok {
				t.Fatalf("%s: unexpected cursor %q", tc.name, cursor)
			}
			return p.items, p.next, nil
		}, func(s *string) string { return *s })
		if (err != nil) != tc.wantErr || strings.Join(got, ",") != tc.want {
			t.Errorf("%s: got %v, %v", tc.name, got, err)
		}
	}
	boom := errors.New("boom")
	_, err := Collect(context.Background(), &Config{Op: "GET /x"}, func(Req) ([]int, string, error) { return nil, "", boom }, func(*int) string { return "" })
	if !errors.Is(err, boom) {
		t.Errorf("page error lost: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Collect(ctx, &Config{Op: "GET /x"}, func(Req) ([]int, string, error) { return []int{1}, "n", nil }, func(*int) string { return "" }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled collect: %v", err)
	}
}

func TestFixTime(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"2025-02-03T04:05:06Z"`, `"2025-02-03T04:05:06Z"`},
		{`"2025-02-03T04:05:06+0200"`, `"2025-02-03T04:05:06+02:00"`},
		{`"2025-02-03 04:05:06"`, `"2025-02-03T04:05:06Z"`},
		{`1738555506000`, `"2025-02-03T04:05:06Z"`},
		{`"1738555506"`, `"2025-02-03T04:05:06Z"`},
		{`-1`, `null`},
		{`"soon"`, `null`},
		{`{"a":1}`, `null`},
	} {
		if got := string(FixTime(json.RawMessage(tc.in))); got != tc.want {
			t.Errorf("FixTime(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestTimestampCursor(t *testing.T) {
	for _, tc := range []struct{ in, after string }{
		{"2026-02-13T02:20:58.265Z", "2026-02-13T02:20:58.266Z"},
		{"2026-02-13T02:20:58.26Z", "2026-02-13T02:20:58.261Z"},
		{"2026-02-13T02:20:58Z", "2026-02-13T02:20:58.001Z"},
		{"2026-02-13T02:20:58.999Z", "2026-02-13T02:20:59.000Z"},
		{"2026-02-13T03:20:58.265+01:00", "2026-02-13T02:20:58.266Z"},
		{"2026-02-13T02:20:58.265123Z", "2026-02-13T02:20:58.265124Z"},
		{"2026-02-13T02:20:58.265123456Z", "2026-02-13T02:20:58.265123457Z"},
		{"2025-01-02T03:04:05.12345678942Z", ""}, // a hidden sequence: opaque
		{"c2", ""},
		{"1735689600123", ""},
	} {
		t0, unit, ok := timestampCursor(tc.in)
		got := ""
		if ok {
			got = formatCursorTime(t0.Add(unit))
		}
		if got != tc.after {
			t.Errorf("%s: asks before %q, want %q", tc.in, got, tc.after)
		}
	}
}

func TestGuessCursor(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"items":[],"next_cursor":"abc"}`, "abc"},
		{`{"items":[],"next_cursor" : "a b" }`, "a b"},
		{`{"items":[],"next_cursor":null}`, ""},
		{`{"items":[],"nextCursor":"camel"}`, "camel"},
		{`{"items":[],"next_cursor":17}`, "17"},
		{`{"items":[{"metadata":{"next_cursor":"nested"}}]}`, "nested"}, // only a guess
		{`{"items":[]}`, ""},
		{`{"items":[],"next_cursor":`, ""},
		{`"next_cursor"`, ""},
	} {
		if got := guessCursor([]byte(tc.body)); got != tc.want {
			t.Errorf("guessCursor(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
	// A page longer than the tail searched first: the key after the
	// items, before them, and split by the tail's start.
	items := `[` + strings.Repeat(`{"id":"x","description":"d"},`, 2000) + `{}]`
	for _, tc := range []struct{ body, want string }{
		{`{"items":` + items + `,"nextCursor":"end"}`, "end"},
		{`{"nextCursor":"front","items":` + items + `}`, "front"},
		{`{"next_cursor":"snake","items":` + items + `,"nextCursor":"camel"}`, "camel"},
		{`{"items":` + items + `}`, ""},
	} {
		if got := guessCursor([]byte(tc.body)); got != tc.want {
			t.Errorf("guessCursor of a %d-byte page = %q, want %q", len(tc.body), got, tc.want)
		}
	}
	// The key begins a few bytes before the tail: the whole page is searched.
	key := `"nextCursor":"split"`
	body := `{"items":` + items[:len(items)-1] + `],` + key + strings.Repeat(" ", guessTail+3-len(key)) + `}`
	if got := guessCursor([]byte(body)); got != "split" {
		t.Errorf("guessCursor with the key across the tail's start = %q, want split", got)
	}
}

// A page of 1000 assets (about 300 KB) whose cursor follows the items, as
// the API sends it: the guess is on the path between pages.
func BenchmarkGuessCursorOfAPageOf1000(b *testing.B) {
	page := []byte(`{"items":[` + strings.Repeat(`{"id":"0b6f1c9e-2f4a-4c1e-9d55-3a1f0c2b7e11","image_url":"https://files.test/files/0b6f1c9e.png","uploaded_at":"2026-02-13T02:20:58.265Z","width":1024,"height":1024,"size_bytes":123456,"mime_type":"image/png","description":"a sunset"},`, 999) + `{}],"nextCursor":"2026-02-13T02:20:58.265Z"}`)
	for b.Loop() {
		if guessCursor(page) == "" {
			b.Fatal("no cursor")
		}
	}
}
