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
func WithAsset(a api.Asset) func([]api.Asset) []api.Asset {
	return func(as []api.Asset) []api.Asset {
		for _, b := range as {
			if b.ID == a.ID {
				return as
			}
		}
		out := make([]api.Asset, 0, len(as)+1)
		out = append(out, a) // newest first, as the API lists
		return append(out, as...)
	}
}
