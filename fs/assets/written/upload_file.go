package written

// A queued file in assets/: a file written through the mount and not
// uploaded yet (or kept local: temp and junk names, refused uploads). Its
// content is the queue's spool file. Once uploaded, the name leads to the
// asset (a new lookup returns the asset's node); a node of the item that
// the kernel still holds answers from the asset.
//
// Locking: uploadFile has no mutable fields; the queue and the session keep
// the state.

import (
	"context"
	"errors"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
)

// uploadAttrTTL is how long the kernel keeps a queued file's attributes:
// short, since another program may be writing it.
const uploadAttrTTL = time.Second

// uploadFile is one queue item, by id.
type uploadFile struct {
	gofs.Inode
	node.BigStatfs
	u  *Files
	id string
}

// visibleItem is the item while assets/ shows it as a queued file.
func (f *uploadFile) visibleItem() (queue.Item, bool) {
	it, ok := f.u.s.Get(f.id)
	if !ok || !it.Shown() {
		return queue.Item{}, false
	}
	return it, true
}

// Getattr reports the spool's size (the open handle's, when given) and the
// last close as mtime; after the upload, the asset's.
func (f *uploadFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if h, ok := fh.(WriteHandle); ok {
		return h.Getattr(ctx, out)
	}
	if it, ok := f.visibleItem(); ok {
		f.u.itemAttr(&out.Attr, f.id, it.Size, f.u.itemMtime(f.id, it.Written))
		out.SetTimeout(uploadAttrTTL)
		return 0
	}
	if a, ok := f.u.s.DoneAsset(f.id); ok {
		f.u.m.FileAttr(&out.Attr, Ino(f.id), f.u.contentSize(&a), f.u.uploadedMtime(f.id, &a))
		out.SetTimeout(uploadAttrTTL)
		return 0
	}
	return syscall.ENOENT
}

// contentSize is an asset's length as far as known without a request.
func (u *Files) contentSize(a *api.Asset) int64 {
	if n, _ := u.m.Cfg.Content.Has(node.ContentKey(a.ID)); n >= 0 {
		return n
	}
	return a.Size()
}

// Open opens the spool: for reading, or for writing (which postpones the
// upload until the last close). A node whose upload finished opens the
// asset instead.
func (f *uploadFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	u := f.u
	fields := logrus.Fields{"op": "open", "item": f.id}
	if node.WantsWrite(flags) {
		if f.u.readOnly {
			return nil, 0, syscall.EROFS
		}
		if _, ok := f.visibleItem(); ok {
			h, err := u.openItemWrite(f.id, Ino(f.id), flags)
			if err == nil {
				return h, WriteOpenFlags, 0
			}
			if !errors.Is(err, queue.ErrUnknownItem) {
				return nil, 0, node.Fail(f.u.m.Log, fields, err)
			}
			// Uploaded meanwhile: the asset is written once its name is
			// shown, which a landing upload's is a moment later.
			wctx, cancel := context.WithTimeout(ctx, node.OtherEntryWait)
			u.s.WaitLanded(wctx, f.id)
			cancel()
		}
		a, ok := u.s.DoneAsset(f.id)
		if !ok {
			return nil, 0, syscall.ENOENT
		}
		h, err := u.openAssetWriteLazy(ctx, a, Ino(f.id), flags)
		if err != nil {
			return nil, 0, node.Fail(f.u.m.Log, fields, err)
		}
		return h, WriteOpenFlags, 0
	}
	rf, err := u.s.OpenRead(f.id)
	if err == nil {
		return &uploadHandle{up: u, id: f.id, ino: Ino(f.id), f: rf}, 0, 0
	}
	if !errors.Is(err, queue.ErrUnknownItem) {
		return nil, 0, node.Fail(f.u.m.Log, fields, err)
	}
	a, ok := u.s.DoneAsset(f.id)
	if !ok {
		return nil, 0, syscall.ENOENT
	}
	return f.u.openCached(&a), fuse.FOPEN_KEEP_CACHE, 0
}

// Setattr: truncate(2) changes the content (as an open for writing would);
// the modification time is kept locally (node/mtimes.go), the mode while
// the file is queued (modes.go); the owner is accepted and not kept (the
// API stores none of them).
func (f *uploadFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if f.u.readOnly {
		return syscall.EROFS
	}
	if h, ok := fh.(WriteHandle); ok {
		return h.Setattr(ctx, in, out)
	}
	if size, ok := in.GetSize(); ok {
		if errno := TruncateByOpen(ctx, f.Open, in, out); errno != 0 {
			return errno
		}
		f.u.m.Log.WithFields(logrus.Fields{"op": "truncate", "item": f.id, "size": size}).Debug("queued file truncated")
		return 0
	}
	if _, ok := f.visibleItem(); ok {
		f.u.m.KeepMtime(ItemTimeKey(f.id), in)
		f.u.keepMode(f.id, in)
	} else if a, ok := f.u.s.DoneAsset(f.id); ok {
		f.u.m.KeepMtime(node.AssetTimeKey(a.ID), in)
	}
	return f.Getattr(ctx, nil, out)
}

// cachedHandle reads an asset through the content cache; it serves nodes of
// queued files whose upload finished (the content cache has the uploaded
// bytes).
type cachedHandle struct {
	m  *node.Mount
	id string
	rd *cache.Reader
}

func (u *Files) openCached(a *api.Asset) *cachedHandle {
	rd := u.m.Cfg.Content.Open(cache.Source{Key: node.ContentKey(a.ID), URL: a.ImageURL, Size: a.Size()})
	return &cachedHandle{m: u.m, id: a.ID, rd: rd}
}

func (h *cachedHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := h.rd.Ensure(ctx, off, len(dest))
	if errors.Is(err, cache.ErrDiskFull) {
		var res fuse.ReadResult
		if res, err = node.ReadUncached(ctx, h.rd, dest, off); err == nil {
			return res, 0
		}
	}
	if err != nil && n <= 0 {
		return nil, node.Fail(h.m.Log, logrus.Fields{"op": "read", "id": h.id, "off": off}, err)
	}
	if n <= 0 {
		return fuse.ReadResultData(nil), 0
	}
	file := h.rd.File()
	if file == nil {
		return nil, syscall.EIO
	}
	return fuse.ReadResultFd(file.Fd(), off, n), 0
}

func (h *cachedHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno { return 0 }

func (h *cachedHandle) Release(ctx context.Context) syscall.Errno {
	h.rd.Close()
	return 0
}
