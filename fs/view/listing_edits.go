package view

// Edits of a listing (cache.Listing.Update) that what the mount did makes
// at once, before the next listing shows it.

import (
	"sync"

	"github.com/kreafs/kreafs/api"
)

// WithoutIDs is a Listing edit that drops assets (idempotent).
func WithoutIDs(ids ...string) func([]api.Asset) []api.Asset {
	drop := map[string]bool{}
	for _, id := range ids {
		drop[id] = true
	}
	return func(as []api.Asset) []api.Asset {
		out := make([]api.Asset, 0, len(as))
		for _, a := range as {
			if !drop[a.ID] {
				out = append(out, a)
			}
		}
		return out
	}
}

// WithAsset is a Listing edit that adds a unless present (idempotent).
// It appends in place (see WithAssets).
func WithAsset(a api.Asset) func([]api.Asset) []api.Asset {
	return WithAssets([]api.Asset{a})
}

// WithAssets is a Listing edit that adds those of add it lacks
// (idempotent). It appends in place, amortised O(1) per asset instead of a
// copy of the whole listing per upload: the listing's slice is shared with
// the tables built from it, which only read the items they were built
// with, and the Listing applies edits one at a time to its newest items
// only, so nobody else appends to that array. A table built from the
// items before the edit tells the added ones by that sharing
// (AssetTable.Grown).
func WithAssets(add []api.Asset) func([]api.Asset) []api.Asset {
	return func(as []api.Asset) []api.Asset {
		idMemo.mu.Lock()
		defer idMemo.mu.Unlock()
		have := idMemo.of(as)
		for _, a := range add {
			if _, ok := have[a.ID]; ok {
				continue
			}
			as = append(as, a)
			have[a.ID] = struct{}{}
		}
		idMemo.arr, idMemo.n = as, len(as)
		return as
	}
}

// idMemo is the ids of the last listing WithAssets edited, so that an
// upload landing in an account of n assets does not compare n ids: a
// listing grown in place (the same array, items never rewritten) only
// adds the ids appended since. The memo holds the array, so that its
// address cannot be reused for another listing while it is remembered.
type idMemoT struct {
	mu  sync.Mutex
	arr []api.Asset // the listing the ids are of (its first n items)
	n   int
	ids map[string]struct{}
}

// of is the set of as's ids (the memo's, brought up to date when as
// grew from it in place).
func (m *idMemoT) of(as []api.Asset) map[string]struct{} {
	if len(as) == 0 || len(m.arr) == 0 || &as[0] != &m.arr[0] || len(as) < m.n {
		m.ids, m.n = make(map[string]struct{}, len(as)), 0
	}
	for _, b := range as[m.n:] {
		m.ids[b.ID] = struct{}{}
	}
	m.arr, m.n = as, len(as)
	return m.ids
}

var idMemo idMemoT
