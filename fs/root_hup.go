package fs

import gofs "github.com/hanwen/go-fuse/v2/fs"

// DropDirCaches makes the next listing of assets/, jobs/ and styles/ ask
// the API, however recent the one held is (kreafs mount calls it on
// SIGHUP). The listings held stay the fallback if the API fails; the
// kernel is told to forget its copy of each directory's entries, so the
// next ls reads again. Safe to call at any time after NewRoot.
func (r *Root) DropDirCaches() {
	r.assets.listing.Invalidate()
	dirs := []gofs.InodeEmbedder{r.assets}
	for _, name := range []string{"jobs", "styles"} {
		ch := r.GetChild(name)
		if ch == nil {
			continue // not mounted yet
		}
		switch d := ch.Operations().(type) {
		case *jobsDir:
			d.listing.Invalidate()
		case *stylesDir:
			d.listing.Invalidate()
		}
		dirs = append(dirs, ch.Operations())
	}
	for _, d := range dirs {
		in := d.EmbeddedInode()
		if in.StableAttr().Ino == 0 {
			continue // not in a mounted tree
		}
		r.notifyAsync(func() { _ = in.NotifyContent(0, 0) })
	}
}
