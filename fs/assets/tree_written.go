package assets

// The tree's side of the files written into assets/ (package written):
// what it asks of assets/ (writtenHost), how queued files and pending
// deletes change what assets/ shows, and the queue's report of a finished
// upload.
//
// Locking: none of its own; removed takes assetsDir.mu (a leaf here). No
// lock is held while calling the session (which does disk I/O).

import (
	"context"

	gofs "github.com/hanwen/go-fuse/v2/fs"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/assets/written"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// writtenHost is the tree as the written files see it (written.Host).
type writtenHost struct{ r *Tree }

func (h writtenHost) ShownName(ctx context.Context, id string) (string, bool) {
	return h.r.assets.shownName(ctx, id)
}

func (h writtenHost) InodeOf(p string) *gofs.Inode { return h.r.assets.inodeOf(p) }

func (h writtenHost) Removed(ids ...string) { h.r.assets.removed(ids...) }

// --- what assets/ hides and shows ---

// removed hides assets removed through the mount for good (asset ids are
// never reused): rm, and the assets an upload replaced or a cancelled
// overwrite leaves to delete. The queue deletes them; a listing that still
// has them is not believed.
func (d *assetsDir) removed(ids ...string) {
	if len(ids) == 0 {
		return
	}
	d.mu.Lock()
	for _, id := range ids {
		d.deleted[id] = true
	}
	d.mu.Unlock()
	d.listing.Update(view.WithoutIDs(ids...))
	for _, id := range ids {
		d.r.Cfg.Content.Remove(node.ContentKey(id))
		d.r.ForgetMtime(node.AssetTimeKey(id))
	}
}

// extraAssets are uploads that landed but that the listing may not have
// (a listing fetched meanwhile that lacks them): shown as assets so that
// a name never vanishes between "pending" and "listed". Until it lands
// (Tree.uploaded adds it to the listing) an upload is still shown as its
// queued file (queue.Item.Shown).
// Each gets its queued file's time first (Settle, idempotent), so
// that the name shows one time throughout.
func (r *Tree) extraAssets(items []queue.Item) []api.Asset {
	var out []api.Asset
	for _, it := range items {
		if it.State == queue.Uploaded && it.Asset != nil {
			r.keepUploadedName(it, it.Asset)
			r.up.Settle(it, it.Asset.ID)
			out = append(out, *it.Asset)
		}
	}
	return out
}

// pending is what listings of assets/ need from the upload side, in one
// call: the queued files, the assets being deleted or replaced, and the
// finished uploads the listing may lack (view.Pending).
func (r *Tree) pending() view.Pending {
	items := r.up.Session().Items()
	p := r.pendingOf(items)
	p.Queued = queuedOf(items)
	return p
}

// shownPending is pending without the queued files: all a lookup needs
// (view.AssetTable.Show ignores Queued). A lookup makes it on every call,
// so it copies only the uploaded items, not the whole queue.
func (r *Tree) shownPending() view.Pending {
	return r.pendingOf(r.up.Session().UploadedItems())
}

// pendingOf is the view.Pending of items (Queued left empty).
func (r *Tree) pendingOf(items []queue.Item) view.Pending {
	hidden := r.up.Session().Hidden()
	for id := range r.trash.Hidden() { // trashed here, kept on Krea
		hidden[id] = true
	}
	return view.Pending{Hidden: hidden, Uploaded: r.extraAssets(items)}
}

// queuedOf are the items whose state is visible, under a usable name,
// oldest first (of two with one name, which the mount never makes, the
// newest wins in view.Merge).
func queuedOf(items []queue.Item) []view.Queued {
	var out []view.Queued
	for _, it := range items {
		if it.Shown() && usableName(it.Name) {
			out = append(out, view.Queued{Name: it.Name, Ino: written.Ino(it.ID)})
		}
	}
	return out
}

// uploaded is the upload queue's report of a finished upload: it puts the new asset in the
// assets listing at once, imports the uploaded bytes into the content
// cache (so reading the file just copied in costs no download), hides the
// assets it replaces (the queue deletes them next) and makes the kernel
// look the name up again (it now leads to the asset). Safe to call before
// the tree is mounted.
func (r *Tree) uploaded(it queue.Item, a *api.Asset) {
	if a == nil {
		return
	}
	r.keepUploadedName(it, a)
	r.up.Settle(it, a.ID)
	r.up.Session().Uploaded(it, a)
	r.assets.addUploaded(a, it.Name) // the next lookups (rsync's) find its table built
	r.Events.Add(view.EventUploadDone, "", "assets/"+it.Name)
	r.assets.removed(it.Replaces...)
	r.up.NotifyNames(false, it.Name)
}
