package assets

// Writing to an uploaded asset: an asset's bytes never change under its
// id, so opening one for writing (or truncating it) makes a queued file
// under the asset's name that replaces the asset once uploaded.
//
// Locking: none of its own.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/assets/written"
	"github.com/kreafs/kreafs/fs/node"
)

// openWrite opens the asset for writing: a replacement is queued, holding
// the asset's bytes (from the cache) unless the open truncates; without
// O_TRUNC, only once something needs the content (written/upload_lazy.go).
func (f *assetFile) openWrite(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if errno := f.r.writable(); errno != 0 {
		return nil, 0, errno
	}
	a, _ := f.Snapshot()
	// Until its RELEASE, no read of this inode may ask for passthrough.
	if !f.WriterOpen() {
		// The kernel retries the open on the name's new inode (asset_gen.go).
		f.r.gens.moveFrom(a.ID, f.Ino)
		f.r.Log.WithFields(logrus.Fields{"op": "open", "id": a.ID}).
			Debug("open for writing of a file read with FUSE passthrough: its name moves to a new inode, the readers keep the old one (ESTALE: the kernel looks the name up again)")
		return nil, 0, syscall.ESTALE
	}
	h, err := f.r.up.OpenAsset(ctx, a, f.Ino, flags, f.WriterReleased)
	if err != nil {
		f.WriterReleased()
		return nil, 0, node.Fail(f.r.Log, logrus.Fields{"op": "open", "id": a.ID}, err)
	}
	// The kernel keeps this inode's attributes for an hour (assets never
	// change); it is the replacement that changes now.
	f.r.NotifyAsync(func() { _ = f.NotifyContent(-1, 0) })
	return h, written.WriteOpenFlags, 0
}

// setattr: truncate(2) of an asset queues a replacement of that length;
// the modification time is kept locally (node/mtimes.go); mode and owner are
// accepted and not kept (the API stores none).
func (f *assetFile) setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if errno := f.r.writable(); errno != 0 {
		return errno
	}
	if h, ok := fh.(written.WriteHandle); ok {
		return h.Setattr(ctx, in, out)
	}
	if _, ok := in.GetSize(); ok {
		return written.TruncateByOpen(ctx, f.openWrite, in, out)
	}
	a, _ := f.Snapshot()
	f.r.KeepMtime(node.AssetTimeKey(a.ID), in)
	return f.Getattr(ctx, nil, out)
}
