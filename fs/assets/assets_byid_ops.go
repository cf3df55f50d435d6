package assets

// assets/.by-id: every asset under its bare id (FUSE operations).

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// byIDDir is MOUNT/assets/.by-id: every asset under its bare id. Ids not in
// the listing are asked of the API directly (GET /assets/{id}).
type byIDDir struct {
	gofs.Inode
	node.BigStatfs
	d *assetsDir
}

// Lookup finds an asset by id: from the listing, else from the API.
func (b *byIDDir) Lookup(ctx context.Context, id string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	f := logrus.Fields{"op": "lookup", "path": "assets/.by-id/" + id, "id": id}
	if len(id) > view.MaxNameLen {
		return nil, syscall.ENAMETOOLONG
	}
	if view.ByIDEntry(id) == "" {
		return nil, syscall.ENOENT
	}
	a, err := b.get(ctx, id)
	if err != nil {
		return nil, node.Fail(b.d.r.Log, f, err)
	}
	return b.d.r.assetEntry(ctx, &b.Inode, a, out)
}

// get finds id in the listing, else asks the API.
func (b *byIDDir) get(ctx context.Context, id string) (*api.Asset, error) {
	t, err := b.d.table(ctx)
	if err != nil {
		return nil, err
	}
	if a := t.ByID.At(id); a != nil {
		return a, nil
	}
	if b.d.isDeleted(id) {
		return nil, syscall.ENOENT
	}
	ctx, cancel := b.d.r.OpContext(ctx)
	defer cancel()
	a, err := b.d.r.Cfg.Remote.GetAsset(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.ID != id { // never trust an answer about another object
		return nil, syscall.ENOENT
	}
	return a, nil
}

// Readdir lists the ids of the current listing.
func (b *byIDDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	t, err := b.d.table(ctx)
	if err != nil {
		return nil, node.Fail(b.d.r.Log, logrus.Fields{"op": "readdir", "path": "assets/.by-id"}, err)
	}
	entries := node.IDEntries(t.IDs(func(id string) bool { return view.ByIDEntry(id) != "" }), syscall.S_IFREG, node.AssetIno)
	return node.WithDots(b.EmbeddedInode(), entries), 0
}

// Getattr reports .by-id itself.
func (b *byIDDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	b.d.r.ByIDAttr(out)
	return 0
}

// Unlink deletes the asset with that id, like rm of its name in assets/.
func (b *byIDDir) Unlink(ctx context.Context, id string) syscall.Errno {
	f := logrus.Fields{"op": "unlink", "path": "assets/.by-id/" + id, "id": id}
	if b.d.r.readOnly {
		return syscall.EROFS
	}
	name := ""
	if t := b.d.current(); t != nil {
		name = t.NameOf.At(id)
	}
	if err := b.d.r.up.DeleteAsset(ctx, view.ByIDName+"/"+id, id); err != nil {
		return node.Fail(b.d.r.Log, f, err)
	}
	if name != "" { // the kernel drops .by-id/<id> itself; assets/<name> is ours
		b.d.r.NotifyWait(node.OtherEntryWait, func() { node.NotifyGone(&b.d.Inode, name) })
	}
	return 0
}
