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
	return d.lookupIn(ctx, &d.Inode, "", name, out)
}

// Readdir lists assets/ from the listing cache: one API walk per TTL, no
// request per entry (READDIRPLUS answers each entry's lookup from the same
// table). .by-id is not listed.
func (d *assetsDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	l, err := d.list(ctx)
	if err != nil {
		return nil, node.Fail(d.r.Log, logrus.Fields{"op": "readdir", "path": "assets"}, err)
	}
	d.watched()
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
	return d.unlinkIn(ctx, "", name)
}

// Rmdir removes an empty folder of assets/ (folder_dir.go).
func (d *assetsDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return d.rmdirIn(ctx, "", name)
}
