package view

import (
	"slices"
	"sort"
)

// Table indexes one listing generation (assets, styles) under the names
// the directory shows. It is never edited once built; a newer generation
// gets a new Table.
type Table[T any] struct {
	Gen    uint64
	names  *lazySorted           // Names
	ByName Index[string, *T]     // name in the directory -> item
	ByID   Index[string, *T]     // API id -> item (the first, if a listing repeats an id)
	NameOf Index[string, string] // API id -> name in the directory
	id     func(*T) string
}

// NewTable indexes items, whose names (same order) were chosen by the
// directory's naming rules; id gives an item's API id.
func NewTable[T any](gen uint64, items []T, names []string, id func(*T) string) Table[T] {
	byName := make(map[string]*T, len(items))
	byID := make(map[string]*T, len(items))
	nameOf := make(map[string]string, len(items))
	for i := range items {
		it := &items[i]
		byName[names[i]] = it
		if _, dup := byID[id(it)]; !dup {
			byID[id(it)] = it
			nameOf[id(it)] = names[i]
		}
	}
	sorted := slices.Clone(names)
	sort.Strings(sorted)
	return Table[T]{Gen: gen, names: sortedOf(sorted),
		ByName: indexOf(byName), ByID: indexOf(byID), NameOf: indexOf(nameOf), id: id}
}

// Names lists the names of t, sorted, as Readdir returns them; the
// caller must not change the list.
func (t *Table[T]) Names() []string { return t.names.get() }

// GoneNames lists (sorted) the names of old that no longer lead to the
// same item in t: deleted items, renamed ones, and names now taken by
// another item. The kernel must forget those. nil when old is nil.
func (t *Table[T]) GoneNames(old *Table[T]) []string {
	if old == nil {
		return nil
	}
	var gone []string
	for name, a := range old.ByName.All() {
		if b, ok := t.ByName.Get(name); !ok || t.id(b) != t.id(a) {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	return gone
}

// GoneIDs lists (sorted) the ids of old that t no longer has.
func (t *Table[T]) GoneIDs(old *Table[T]) []string {
	if old == nil {
		return nil
	}
	var gone []string
	for id := range old.ByID.All() {
		if _, ok := t.ByID.Get(id); !ok {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	return gone
}

// Diff compares t with the table it replaces: the names the kernel must
// forget (GoneNames), and whether the directory now shows other names (a
// name gone or re-assigned, or a different count; always for a first
// table), which moves its mtime.
func (t *Table[T]) Diff(old *Table[T]) (gone []string, changed bool) {
	if old == nil {
		return nil, true
	}
	gone = t.GoneNames(old)
	return gone, len(gone) > 0 || t.ByName.Len() != old.ByName.Len()
}

// IDs lists (sorted) the ids of t that keep is true for: what a .by-id
// directory lists.
func (t *Table[T]) IDs(keep func(id string) bool) []string {
	ids := make([]string, 0, t.ByID.Len())
	for id := range t.ByID.All() {
		if keep(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}
