package assets

// Telling inotify that an asset went away. FUSE's delete notification
// (NotifyDelete) makes the kernel drop the name, but Linux sends no
// IN_DELETE to watchers of the directory for it (only IN_DELETE_SELF to
// watchers of the file). So for an asset deleted elsewhere whose name the
// kernel knows, kreafs unlinks the name through its own mount
// (Config.Mountpoint): the kernel's unlink sends IN_DELETE as for any rm.
// Until that unlink is done the name is a ghost: lookups still find the
// old asset (the unlink's path walk needs it) and the unlink succeeds
// without a request.
//
// Locking: assetsDir.mu guards ghosts. The unlinks run on NotifyAsync
// goroutines without our locks (they come back to us as FUSE requests).

import (
	"path/filepath"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// goneAway tells the kernel the paths of old that t no longer shows:
// assets deleted elsewhere are unlinked through the mount (IN_DELETE),
// other names (renamed, folders) are dropped with NotifyDelete. Runs in
// install (build lock held): the work is asynchronous.
func (d *assetsDir) goneAway(old, t *view.AssetTable, gone []string) {
	mp := d.r.Cfg.Mountpoint
	var ghosts, forget []string
	d.mu.Lock()
	for _, p := range gone {
		var a *api.Asset
		if old != nil {
			a = old.ByName.At(p)
		}
		if mp != "" && a != nil && t.ByID.At(a.ID) == nil && !d.deleted[a.ID] && d.ghosts[p] == nil {
			d.ghosts[p] = a
			ghosts = append(ghosts, p)
			continue
		}
		forget = append(forget, p)
	}
	d.mu.Unlock()
	d.r.NotifyAsync(func() {
		d.forgetPaths(forget)
		for _, p := range ghosts {
			d.unlinkGhost(mp, p)
		}
	})
}

// unlinkGhost unlinks ghost p through the mount when the kernel knows its
// name (else there is nobody to tell), then forgets the ghost.
func (d *assetsDir) unlinkGhost(mp, p string) {
	dir, name := view.SplitParent(p)
	if n := d.inodeOf(dir); n != nil && n.GetChild(name) != nil {
		err := node.RemoveThroughMount(n, filepath.Join(mp, "assets", filepath.FromSlash(dir)), name, syscall.Unlink)
		d.r.Log.WithFields(logrus.Fields{"op": "notify", "path": "assets/" + p}).WithError(err).Debug("unlinked through the mount: deleted elsewhere")
	}
	d.mu.Lock()
	delete(d.ghosts, p)
	d.mu.Unlock()
}

// ghost is the asset last shown at p if p is a ghost (nil otherwise).
func (d *assetsDir) ghost(p string) *api.Asset {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ghosts[p]
}

// unghost ends ghost p (its unlink arrived): true if p was one.
func (d *assetsDir) unghost(p string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ghosts[p] == nil {
		return false
	}
	delete(d.ghosts, p)
	return true
}
