package assets

// DropListing makes the next listing of assets/ ask the API, whatever
// DirCacheTTL says; the listing held stays the fallback if that fails.
func (t *Tree) DropListing() { t.assets.listing.Invalidate() }
