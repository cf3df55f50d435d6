package assets

// assets/: the FUSE directory operations (Lookup, Readdir, Getattr,
// Unlink, Rmdir). The names come from the view (assetsDir.table,
// assetsDir.list); writes are in assets_write.go.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// Lookup finds a file of assets/ (or the hidden .by-id directory).
func (d *assetsDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if name == view.ByIDName {
		return d.r.LookupByID(&d.Inode, node.AssetAttrTTL, out), 0
	}
	if len(name) > view.MaxNameLen { // POSIX: a name component over NAME_MAX
		return nil, syscall.ENAMETOOLONG
	}
	if !view.UsableName(name) {
		return nil, syscall.ENOENT
	}
	if ch := d.lookupUpload(ctx, name, out); ch != nil {
		return ch, 0
	}
	a, err := d.lookup(ctx, name)
	if err != nil {
		return nil, node.Fail(d.r.Log, logrus.Fields{"op": "lookup", "path": "assets/" + name}, err)
	}
	return d.r.assetEntry(ctx, &d.Inode, a, out)
}

// Readdir lists assets/ from the listing cache: one API walk per TTL, no
// request per entry (READDIRPLUS answers each entry's lookup from the same
// table). .by-id is not listed.
func (d *assetsDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	l, err := d.list(ctx)
	if err != nil {
		return nil, node.Fail(d.r.Log, logrus.Fields{"op": "readdir", "path": "assets"}, err)
	}
	return node.WithDots(d.EmbeddedInode(), fuseEntries(l.Entries)), 0
}

// Getattr reports assets/ itself; its mtime is when its names last changed.
func (d *assetsDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.r.DirAttr(&out.Attr, d.names.Mtime())
	out.SetTimeout(d.r.Cfg.DirCacheTTL)
	return 0
}

// Unlink deletes the asset behind name (DELETE /assets/{id}).
func (d *assetsDir) Unlink(ctx context.Context, name string) syscall.Errno {
	if d.r.readOnly {
		return syscall.EROFS
	}
	return node.Fail(d.r.Log, logrus.Fields{"op": "unlink", "path": "assets/" + name}, d.unlinkName(ctx, name))
}

// Rmdir: assets/ holds no directory that can be removed.
func (d *assetsDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return syscall.EPERM
}
