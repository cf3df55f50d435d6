package view

// Pure name mapping for styles/: which directory name each style gets.
// No locks, no I/O. docs/jobs-and-styles.md states the same rules for
// users and styles_names_test.go checks them rule by rule.

import (
	"sort"
	"strconv"
	"time"

	"github.com/kreafs/kreafs/api"
)

// styleIDName is the name a style gets when its title cannot be used: the
// id, or "id-<16 hex digits of sha256(id)>" for an id that is not a usable
// file name (the API never sends one).
func styleIDName(id string) string {
	if UsableName(id) {
		return id
	}
	return "id-" + HashTag(id)
}

// StyleTime orders styles by age; created_at is a free string in the
// spec, so an unparsable one sorts as the zero time.
func StyleTime(s *api.Style) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s.CreatedAt)
	if err != nil {
		return time.Time{}
	}
	return t
}

// StyleNames gives every style of a listing its directory name in
// styles/ (index in styles -> name). Names are unique, usable file names:
//
//  1. A style wants its title when the title is a usable file name (the
//     asset rules: one path element, no control characters, at most 255
//     bytes, ...) and is not the id of a listed style (styles/<id> must
//     keep meaning that style, see below).
//  2. Among styles wanting the same title, the oldest (created_at, then
//     id) keeps it; every other one is shown under its id.
//  3. A style without a usable title is shown under its id, or
//     "id-<hash>" when the id itself is not a usable name; a name still
//     taken gets " (2)", " (3)", ... appended.
//
// Every style is also reachable as styles/<id> and styles/.by-id/<id>,
// hidden from listings; that is what a training job's "style" link uses.
func StyleNames(styles []api.Style) []string {
	names := make([]string, len(styles))
	ids := make(map[string]bool, len(styles))
	order := make([]int, len(styles))
	for i := range styles {
		ids[styles[i].ID] = true
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool {
		a, b := &styles[order[x]], &styles[order[y]]
		ta, tb := StyleTime(a), StyleTime(b)
		if !ta.Equal(tb) {
			return ta.Before(tb)
		}
		return a.ID < b.ID
	})
	taken := make(map[string]bool, len(styles))
	var rest []int
	for _, i := range order {
		s := &styles[i]
		if s.Title != nil && UsableName(*s.Title) && !ids[*s.Title] && !taken[*s.Title] {
			names[i] = *s.Title
			taken[*s.Title] = true
			continue
		}
		rest = append(rest, i)
	}
	for _, i := range rest {
		base := styleIDName(styles[i].ID)
		n := base
		for k := 2; taken[n]; k++ {
			n = base + " (" + strconv.Itoa(k) + ")"
		}
		names[i] = n
		taken[n] = true
	}
	return names
}

// NameTaken says why style id cannot take newName in t ("" when it can):
// another style shows under it, or it is another style's id (styles/<id>
// must keep meaning that style).
func NameTaken(t *StyleTable, id, newName string) string {
	if o := t.ByName.At(newName); o != nil && o.ID != id {
		return "another style already has that name"
	}
	if o := t.ByID.At(newName); o != nil && o.ID != id {
		return "that name is another style's id"
	}
	return ""
}
