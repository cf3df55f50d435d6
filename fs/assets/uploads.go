package assets

// The mount's side of the write-back upload queue (cache/upload/queue): what
// the file system knows about files written into assets/ beyond what the
// queue journals, and how queued files and pending deletes change what
// assets/ shows.
//
// Locking: uploads holds no lock of its own (the session and the queue
// keep theirs). No lock of fs is held while calling the session (which
// does disk I/O), the API, the content cache, or a go-fuse Notify*
// function; kernel notifications go through node.Mount.NotifyAsync.

import (
	"context"
	"sync/atomic"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// uploads is the write state of one mount: the upload session (every
// decision about a file written into assets/), and what assets/ shows
// while files are queued. On a read-only mount (Tree.readOnly) the session
// has no queue: it shows no queued file, and the adapters refuse every
// change before reaching it.
type uploads struct {
	r    *Tree
	s    *upload.Session
	live atomic.Bool // the tree is mounted: kernel notifications may be sent
}

func newUploads(r *Tree, s *upload.Session) *uploads {
	return &uploads{r: r, s: s}
}

// uploadIno is the inode number of a queued file (stable across restarts:
// item ids are).
func uploadIno(itemID string) uint64 { return node.InoFor("upload:" + itemID) }

// --- what assets/ hides and shows ---

// removed hides assets removed through the mount for good (asset ids are
// never reused): rm, and the assets an upload replaced or a cancelled
// overwrite leaves to delete. The queue deletes them; a listing that still
// has them is not believed.
func (u *uploads) removed(ids ...string) {
	if len(ids) == 0 {
		return
	}
	d := u.r.assets
	d.mu.Lock()
	for _, id := range ids {
		d.deleted[id] = true
	}
	d.mu.Unlock()
	d.listing.Update(view.WithoutIDs(ids...))
	for _, id := range ids {
		u.r.Cfg.Content.Remove(node.ContentKey(id))
		u.r.ForgetMtime(node.AssetTimeKey(id))
	}
}

// extraAssets are uploads that finished but that the listing may not have
// yet (the queue marks an item Uploaded before telling us): shown as
// assets so that a name never vanishes between "pending" and "listed".
// Each gets its queued file's time first (keepWrittenTime, idempotent), so
// that the name shows one time throughout.
func (u *uploads) extraAssets(items []queue.Item) []api.Asset {
	var out []api.Asset
	for _, it := range items {
		if it.State == queue.Uploaded && it.Asset != nil {
			u.r.keepUploadedName(it, it.Asset)
			u.r.keepWrittenTime(it, it.Asset.ID)
			out = append(out, *it.Asset)
		}
	}
	return out
}

// pending is what listings of assets/ need from the upload side, in one
// call: the queued files, the assets being deleted or replaced, and the
// finished uploads the listing may lack (view.Pending).
func (u *uploads) pending() view.Pending {
	items := u.s.Items()
	return view.Pending{Queued: queuedOf(items), Hidden: u.s.Hidden(), Uploaded: u.extraAssets(items)}
}

// queuedOf are the items whose state is visible, under a usable name,
// oldest first (of two with one name, which the mount never makes, the
// newest wins in view.Merge).
func queuedOf(items []queue.Item) []view.Queued {
	var out []view.Queued
	for _, it := range items {
		if it.State.Visible() && usableName(it.Name) {
			out = append(out, view.Queued{Name: it.Name, Ino: uploadIno(it.ID)})
		}
	}
	return out
}

// --- the items' state that is the mount's ---

// forget drops the write state of item id and the time set on it,
// returning the replaced asset ids not yet handed to the queue.
func (u *uploads) forget(id string) (replaces []string) {
	u.r.ForgetMtime(itemTimeKey(id))
	return u.s.Forget(id)
}

// changed records that item id's content was written or truncated (which
// also makes a modification time set earlier give way to the write's).
func (u *uploads) changed(id string) {
	u.r.ForgetMtime(itemTimeKey(id))
	u.s.Changed(id)
}

// release ends one write handle of ours on item id (its *os.File already
// closed) and shows what the last close decided (upload.Session.Release).
// wait: see notifyNames.
func (u *uploads) release(id string, wait bool) {
	c := u.s.Release(id)
	if c.MoveTime != "" {
		u.r.moveMtime(id, c.MoveTime)
	}
	if c.Gone {
		u.r.ForgetMtime(itemTimeKey(id))
	}
	if c.Changed {
		u.notifyNames(wait, c.Name)
	}
}

// cancel removes queued file it (rm, or a rename over it):
// upload.Session.Cancel; the assets it replaced are hidden for good.
func (u *uploads) cancel(it queue.Item) error {
	u.r.ForgetMtime(itemTimeKey(it.ID))
	hide, err := u.s.Cancel(it)
	u.removed(hide...)
	return err
}

// deleteAsset removes an uploaded asset (rm) through the session
// (upload.Session.Delete: now, or journaled when the API cannot be
// reached); either way the name is gone at once and stays gone.
func (u *uploads) deleteAsset(ctx context.Context, name, id string) error {
	if err := u.s.Delete(ctx, name, id, u.r.Cfg.Remote.DeleteAsset); err != nil {
		return err
	}
	u.removed(id)
	return nil
}

// notifyNames makes the kernel look names of assets/ up again (they now
// lead to another file, or to none), without our locks. With wait, it
// waits (at most node.OtherEntryWait) until the kernel has dropped them, so the
// caller's next lookup sees the change: only from operations during which
// the kernel holds no lock of assets/ (open, close, setattr; not create,
// rename or unlink).
func (u *uploads) notifyNames(wait bool, names ...string) {
	if !u.live.Load() || len(names) == 0 {
		return
	}
	d := u.r.assets
	fn := func() {
		for _, n := range names {
			node.NotifyGone(&d.Inode, n)
		}
	}
	if wait {
		u.r.NotifyWait(node.OtherEntryWait, fn)
	} else {
		u.r.NotifyAsync(fn)
	}
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
	r.keepWrittenTime(it, a.ID)
	u := r.up
	u.s.Uploaded(it, a)
	r.assets.listing.Update(view.WithAsset(*a))
	u.removed(it.Replaces...)
	u.notifyNames(false, it.Name)
}

// uploadEntry returns the node of queued file it and fills out.
func (r *Tree) uploadEntry(ctx context.Context, parent *gofs.Inode, it queue.Item, out *fuse.EntryOut) *gofs.Inode {
	ch := parent.NewInode(ctx, &uploadFile{r: r, id: it.ID}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: uploadIno(it.ID)})
	r.FileAttr(&out.Attr, uploadIno(it.ID), it.Size, r.itemMtime(it.ID, it.Modified))
	out.SetEntryTimeout(r.Cfg.DirCacheTTL)
	out.SetAttrTimeout(uploadAttrTTL)
	return ch
}
