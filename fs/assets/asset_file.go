package assets

// An asset file: the read side is node.File; this adds opening for
// writing and setattr (a replacement, assets_write_file.go).

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/node"
)

// assetFile is one asset. The same node serves assets/<name> and
// assets/.by-id/<id> (same inode number, so go-fuse keeps one Inode).
type assetFile struct {
	*node.File
	r *Tree
}

// assetEntry returns the node for a and fills out (a Lookup answer).
// Concurrent lookups of the same asset get the same Inode; its metadata is
// refreshed from a.
func (r *Tree) assetEntry(ctx context.Context, parent *gofs.Inode, a *api.Asset, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ino := r.gens.ino(a.ID)
	nf := node.NewFile(r.Mount, ino, *a)
	nf.WaitReplacement = r.waitReplacement
	ch := parent.NewInode(ctx, &assetFile{File: nf, r: r}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino})
	f, ok := ch.Operations().(*assetFile)
	if !ok { // an inode-number collision with another kind of node
		r.Log.WithFields(logrus.Fields{"op": "lookup", "id": a.ID}).Error("inode number collision")
		return nil, syscall.EIO
	}
	f.SetAsset(a)
	ttl := f.Attr(ctx, &out.Attr)
	out.SetEntryTimeout(r.Cfg.DirCacheTTL)
	out.SetAttrTimeout(ttl)
	return ch, 0
}

// Getattr reports the asset's size, mtime (uploaded_at) and mode; opened
// for writing, the replacement's.
func (f *assetFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if h, ok := fh.(writeHandle); ok { // opened for writing: a replacement
		return h.Getattr(ctx, out)
	}
	return f.File.Getattr(ctx, fh, out)
}

// Open opens the asset for reading through the content cache
// (node.File.Open), or for writing (a replacement).
func (f *assetFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if node.WantsWrite(flags) {
		return f.openWrite(ctx, flags)
	}
	return f.File.Open(ctx, flags)
}

// Setattr: an asset's content never changes, so truncate(2) queues a
// replacement (see setattr in assets_write_file.go); a modification time
// is kept locally (node/mtimes.go); mode and owner are accepted and not kept.
func (f *assetFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.setattr(ctx, fh, in, out)
}
