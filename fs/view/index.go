package view

// Index: the read-only maps of a Table, shared with the tables grown from
// it.
//
// A bulk copy grows the assets table by one asset per finished upload
// (AssetTable.plus). With plain maps every growth copied the table's three
// maps, O(account) per file: in an account of 10,000 assets that was a
// quarter of the mount's CPU during an rsync of small files
// (docs/performance.md). An Index is a base map, never written once built
// and shared by every table grown from it, and a small top map of what
// was added since: growing copies the top only, and folds it into a new
// base once it outgrows the square root of the base, so that each added
// entry costs O(sqrt(n)) copies instead of O(n).

import (
	"iter"
	"maps"
)

// Index is a read-only map from K to V.
type Index[K comparable, V any] struct {
	base map[K]V // never written once the Index is built
	top  map[K]V // entries added on top (none of them in base); never written either
}

// indexOf is an Index of m, which the caller no longer writes.
func indexOf[K comparable, V any](m map[K]V) Index[K, V] {
	return Index[K, V]{base: m}
}

// Get is m[k], ok.
func (x Index[K, V]) Get(k K) (V, bool) {
	if v, ok := x.top[k]; ok {
		return v, true
	}
	v, ok := x.base[k]
	return v, ok
}

// At is m[k]: the zero V when k is absent.
func (x Index[K, V]) At(k K) V {
	v, _ := x.Get(k)
	return v
}

// Len is len(m).
func (x Index[K, V]) Len() int { return len(x.base) + len(x.top) }

// All is every entry, in no order.
func (x Index[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		for k, v := range x.base {
			if !yield(k, v) {
				return
			}
		}
		for k, v := range x.top {
			if !yield(k, v) {
				return
			}
		}
	}
}

// Map is a copy of m as a plain map (tests, tools).
func (x Index[K, V]) Map() map[K]V {
	m := maps.Clone(x.base)
	if m == nil {
		m = map[K]V{}
	}
	maps.Copy(m, x.top)
	return m
}

// with is x with add's entries, whose keys x must not have; x is left as
// it is.
func (x Index[K, V]) with(add map[K]V) Index[K, V] {
	top := make(map[K]V, len(x.top)+len(add))
	maps.Copy(top, x.top)
	maps.Copy(top, add)
	if n := len(top); n*n <= len(x.base) {
		return Index[K, V]{base: x.base, top: top}
	}
	base := make(map[K]V, len(x.base)+len(top))
	maps.Copy(base, x.base)
	maps.Copy(base, top)
	return Index[K, V]{base: base}
}
