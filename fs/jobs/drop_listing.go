package jobs

// DropListing makes the next listing of jobs/ ask the API, whatever
// DirCacheTTL says; the listing held stays the fallback if that fails.
func (d *jobsDir) DropListing() { d.listing.Invalidate() }
