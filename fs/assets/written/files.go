package written

// The mount's side of the write-back upload queue (cache/upload/queue): what
// the file system knows about files written into assets/ beyond what the
// queue journals.
//
// Locking: Files holds no lock of its own besides its modes' (held for a
// map operation only; modes.go); the session and the queue keep theirs.
// No lock of fs is held while calling the session (which does disk I/O),
// the API, the content cache, the Host, or a go-fuse Notify* function;
// kernel notifications go through node.Mount.NotifyAsync.

import (
	"context"
	"sync/atomic"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// Host is what the written files ask of assets/ (package assets).
type Host interface {
	// ShownName is the name asset id has in assets/ now.
	ShownName(ctx context.Context, assetID string) (string, bool)
	// InodeOf is the node of folder p of assets/ ("" for assets/
	// itself) if the kernel knows it, else nil.
	InodeOf(p string) *gofs.Inode
	// Removed hides assets removed through the mount for good (asset ids
	// are never reused): rm, and the assets an upload replaced or a
	// cancelled overwrite leaves to delete. The queue deletes them; a
	// listing that still has them is not believed.
	Removed(ids ...string)
}

// Files is the write state of one mount: the upload session (every
// decision about a file written into assets/), and the nodes and handles
// of the files written. On a read-only mount the session has no queue: it
// shows no queued file, and the adapters refuse every change before
// reaching it.
type Files struct {
	m        *node.Mount
	s        *upload.Session
	host     Host
	readOnly bool
	live     atomic.Bool // the tree is mounted: kernel notifications may be sent
	modes    modes       // the permission bits given to queued files
}

// New makes the write state of assets/ on m over session s; host is
// asked only once the tree is built.
func New(m *node.Mount, s *upload.Session, readOnly bool, host Host) *Files {
	return &Files{m: m, s: s, readOnly: readOnly, host: host}
}

// Session is the upload session the files are written through.
func (u *Files) Session() *upload.Session { return u.s }

// MarkLive says the tree is mounted: kernel notifications may be sent
// from now on.
func (u *Files) MarkLive() { u.live.Store(true) }

// Ino is the inode number of a queued file (stable across restarts:
// item ids are).
func Ino(itemID string) uint64 { return node.InoFor("upload:" + itemID) }

// --- the items' state that is the mount's ---

// Forget drops the write state of item id and what the mount kept for it,
// returning the replaced asset ids not yet handed to the queue.
func (u *Files) Forget(id string) (replaces []string) {
	u.forgetKept(id)
	return u.s.Forget(id)
}

// forgetKept drops what the mount kept for item id, which is gone: the
// time set on it and the mode given to it.
func (u *Files) forgetKept(id string) {
	u.m.ForgetMtime(ItemTimeKey(id))
	u.modes.forget(id)
}

// Settle hands what the mount kept for uploaded item it to the asset it
// became: its time (keepWrittenTime); the mode given to it is dropped, as
// the asset shows 0644. Idempotent.
func (u *Files) Settle(it queue.Item, assetID string) {
	u.keepWrittenTime(it, assetID)
	u.modes.forget(it.ID)
}

// changed records that item id's content was written or truncated (which
// also makes a modification time set earlier give way to the write's).
func (u *Files) changed(id string) {
	u.m.ForgetMtime(ItemTimeKey(id))
	u.s.Changed(id)
}

// Release ends one write handle of ours on item id (its *os.File already
// closed) and shows what the last close decided (upload.Session.Release).
// wait: see NotifyNames.
func (u *Files) Release(id string, wait bool) {
	c := u.s.Release(id)
	if c.MoveTime != "" {
		u.moveMtime(id, c.MoveTime)
	}
	if c.Gone {
		u.forgetKept(id)
	}
	if c.Name != "" {
		u.NotifyNames(wait, c.Name)
	}
}

// Cancel removes queued file it (rm, or a rename over it):
// upload.Session.Cancel; the assets it replaced are hidden for good.
func (u *Files) Cancel(it queue.Item) error {
	u.forgetKept(it.ID)
	hide, err := u.s.Cancel(it)
	u.host.Removed(hide...)
	return err
}

// DeleteAsset removes an uploaded asset (rm) through the session
// (upload.Session.Delete: now, or journaled when the API cannot be
// reached); either way the name is gone at once and stays gone.
func (u *Files) DeleteAsset(ctx context.Context, name, id string) error {
	if err := u.s.Delete(ctx, name, id, u.m.Cfg.Remote.DeleteAsset); err != nil {
		return err
	}
	u.host.Removed(id)
	return nil
}

// NotifyNames makes the kernel look names of assets/ up again (they now
// lead to another file, or to none), without our locks. With wait, it
// waits (at most node.OtherEntryWait) until the kernel has dropped them, so the
// caller's next lookup sees the change: only from operations during which
// the kernel holds no lock of assets/ (open, close, setattr; not create,
// rename or unlink).
func (u *Files) NotifyNames(wait bool, names ...string) {
	if !u.live.Load() || len(names) == 0 {
		return
	}
	fn := func() {
		for _, p := range names {
			dir, n := view.SplitParent(p)
			if parent := u.host.InodeOf(dir); parent != nil {
				node.NotifyGone(parent, n)
			}
		}
	}
	if wait {
		u.m.NotifyWait(node.OtherEntryWait, fn)
	} else {
		u.m.NotifyAsync(fn)
	}
}

// Entry returns the node of queued file it and fills out.
func (u *Files) Entry(ctx context.Context, parent *gofs.Inode, it queue.Item, out *fuse.EntryOut) *gofs.Inode {
	ch := parent.NewInode(ctx, &uploadFile{u: u, id: it.ID}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: Ino(it.ID)})
	u.itemAttr(&out.Attr, it.ID, it.Size, u.itemMtime(it.ID, it.Written))
	out.SetEntryTimeout(u.m.Cfg.DirCacheTTL)
	out.SetAttrTimeout(uploadAttrTTL)
	return ch
}
