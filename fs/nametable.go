package fs

import "sort"

// nameTable indexes one listing (assets, styles) under the names the
// directory shows: the items of one listing generation, never edited.
type nameTable[T any] struct {
	gen    uint64
	names  []string          // sorted, as Readdir returns them
	byName map[string]*T     // name in the directory -> item
	byID   map[string]*T     // API id -> item (the first, if a listing repeats an id)
	nameOf map[string]string // API id -> name in the directory
}

// newNameTable indexes items, whose names (same order) were chosen by the
// directory's naming rules.
func newNameTable[T any](gen uint64, items []T, names []string, id func(*T) string) nameTable[T] {
	t := nameTable[T]{
		gen:    gen,
		names:  append([]string(nil), names...),
		byName: make(map[string]*T, len(items)),
		byID:   make(map[string]*T, len(items)),
		nameOf: make(map[string]string, len(items)),
	}
	for i := range items {
		it := &items[i]
		t.byName[names[i]] = it
		if _, dup := t.byID[id(it)]; !dup {
			t.byID[id(it)] = it
			t.nameOf[id(it)] = names[i]
		}
	}
	sort.Strings(t.names)
	return t
}
