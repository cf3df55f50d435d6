package view

import (
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func st(id, title, created string) api.Style {
	s := api.Style{ID: id, CreatedAt: created}
	if title != "\x00nil" {
		s.Title = &title
	}
	return s
}

func TestStyleNames(t *testing.T) {
	const nilTitle = "\x00nil"
	long := strings.Repeat("x", 256)
	for _, tc := range []struct {
		name   string
		styles []api.Style
		want   []string
	}{
		{"usable titles are used",
			[]api.Style{st("s1", "Watercolor", "2025-01-01T00:00:00Z"), st("s2", "Ink", "2025-01-02T00:00:00Z")},
			[]string{"Watercolor", "Ink"}},
		{"null title goes by id",
			[]api.Style{st("s1", nilTitle, "2025-01-01T00:00:00Z")},
			[]string{"s1"}},
		{"empty title goes by id",
			[]api.Style{st("s1", "", "2025-01-01T00:00:00Z")},
			[]string{"s1"}},
		{"duplicate title: the oldest keeps it, input order does not matter",
			[]api.Style{st("s2", "Ink", "2025-01-02T00:00:00Z"), st("s1", "Ink", "2025-01-01T00:00:00Z")},
			[]string{"s2", "Ink"}},
		{"same age: the smaller id keeps it",
			[]api.Style{st("b", "Ink", "2025-01-01T00:00:00Z"), st("a", "Ink", "2025-01-01T00:00:00Z")},
			[]string{"b", "Ink"}},
		{"hostile titles go by id",
			[]api.Style{
				st("s1", "../etc", "2025-01-01T00:00:00Z"),
				st("s2", "a/b", "2025-01-01T00:00:00Z"),
				st("s3", "line\nbreak", "2025-01-01T00:00:00Z"),
				st("s4", "..", "2025-01-01T00:00:00Z"),
				st("s5", long, "2025-01-01T00:00:00Z"),
				st("s6", "bad\xffutf8", "2025-01-01T00:00:00Z"),
				st("s7", ".by-id", "2025-01-01T00:00:00Z"),
				st("s8", "nul\x00byte", "2025-01-01T00:00:00Z"),
			},
			[]string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"}},
		{"a title that is another style's id is not used",
			[]api.Style{st("s1", "s2", "2025-01-01T00:00:00Z"), st("s2", "Real", "2025-01-02T00:00:00Z")},
			[]string{"s1", "Real"}},
		{"unusable id gets a hashed name",
			[]api.Style{st("../x", nilTitle, "2025-01-01T00:00:00Z")},
			[]string{"id-" + HashTag("../x")}},
		{"an id name taken by a title gets a counter",
			[]api.Style{st("x", "id-"+HashTag("a/b"), "2025-01-01T00:00:00Z"), st("a/b", nilTitle, "2025-01-02T00:00:00Z")},
			[]string{"id-" + HashTag("a/b"), "id-" + HashTag("a/b") + " (2)"}},
		{"unparsable created_at sorts first, deterministically",
			[]api.Style{st("s1", "T", "2025-01-01T00:00:00Z"), st("s2", "T", "yesterday")},
			[]string{"s1", "T"}},
	} {
		got := StyleNames(tc.styles)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
		seen := map[string]bool{}
		for _, n := range got {
			if !UsableName(n) {
				t.Errorf("%s: %q is not a usable name", tc.name, n)
			}
			if seen[n] {
				t.Errorf("%s: %q given twice", tc.name, n)
			}
			seen[n] = true
		}
	}
}

func TestAStyleCannotTakeAnotherStylesNameOrID(t *testing.T) {
	tab := NewStyleTable(1, []api.Style{st("s-1", "Portrait", "2024-01-01T00:00:00Z"), st("s-2", "Sketch", "2024-01-02T00:00:00Z")})
	for _, tc := range []struct {
		id, name string
		taken    bool
	}{
		{"s-1", "Portrait", false}, // its own name
		{"s-1", "Sketch", true},    // another style's name
		{"s-1", "s-2", true},       // another style's id
		{"s-1", "s-1", false},      // its own id
		{"s-1", "Landscape", false},
	} {
		if got := NameTaken(tab, tc.id, tc.name) != ""; got != tc.taken {
			t.Errorf("NameTaken(%s, %q) taken = %v, want %v", tc.id, tc.name, got, tc.taken)
		}
	}
}
