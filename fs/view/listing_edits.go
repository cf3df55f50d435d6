package view

// Edits of a listing (cache.Listing.Update) that what the mount did makes
// at once, before the next listing shows it.

import "github.com/kreafs/kreafs/api"

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
		var have map[string]bool
		if len(add) > 1 {
			have = make(map[string]bool, len(as))
			for _, b := range as {
				have[b.ID] = true
			}
		}
		for _, a := range add {
			if have != nil && have[a.ID] || have == nil && containsID(as, a.ID) {
				continue
			}
			as = append(as, a)
			if have != nil {
				have[a.ID] = true
			}
		}
		return as
	}
}

func containsID(as []api.Asset, id string) bool {
	for i := range as {
		if as[i].ID == id {
			return true
		}
	}
	return false
}
