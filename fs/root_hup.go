package fs

// listingDropper is a directory of the tree whose listing can be forgotten
// (jobs/ and styles/).
type listingDropper interface{ DropListing() }

// DropDirCaches makes the next listing of assets/, jobs/ and styles/ ask
// the API, however recent the one held is (kreafs mount calls it on
// SIGHUP). The listings held stay the fallback if the API fails; the
// kernel is told to forget its copy of each directory's entries, so the
// next ls reads again. Safe to call at any time after NewRoot.
func (r *Root) DropDirCaches() {
	r.assets.DropListing()
	for _, name := range []string{"assets", "jobs", "styles"} {
		ch := r.GetChild(name)
		if ch == nil {
			continue // not mounted yet
		}
		if d, ok := ch.Operations().(listingDropper); ok {
			d.DropListing()
		}
		r.m.NotifyAsync(func() { _ = ch.NotifyContent(0, 0) })
	}
}
