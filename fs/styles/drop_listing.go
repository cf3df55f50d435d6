package styles

// DropListing makes the next listing of styles/ ask the API, whatever
// DirCacheTTL says; the listing held stays the fallback if that fails.
func (d *stylesDir) DropListing() { d.listing.Invalidate() }
