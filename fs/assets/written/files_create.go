package written

// create(2) in assets/ (cp, a download, rsync's temp file): the name is
// resolved by package assets; this opens what it leads to for writing.
//
// Locking: none of its own.

import (
	"context"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/view"
)

// Create opens path name of assets/ for writing and returns its node
// (filling out) and handle: the queued file item if the name leads to one
// (the kernel did not know the name yet), else a replacement of asset if
// it leads to one, else a new queued file, uploaded at its last close,
// which shows mode until then (modes.go).
func (u *Files) Create(ctx context.Context, parent *gofs.Inode, name string, item *queue.Item, asset *api.Asset, flags, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, error) {
	if item != nil { // the kernel did not know the name yet: open it
		h, err := u.openItemWrite(item.ID, Ino(item.ID), flags)
		if err != nil {
			return nil, nil, err
		}
		it, _ := u.s.Get(item.ID)
		return u.Entry(ctx, parent, it, out), h, nil
	}
	if asset != nil {
		h, err := u.openAssetWrite(ctx, *asset, 0, flags, false)
		if err != nil {
			return nil, nil, err
		}
		h.ino = Ino(h.id)
		it, _ := u.s.Get(h.id)
		return u.Entry(ctx, parent, it, out), h, nil
	}
	id, f, err := u.s.Create(name)
	if err != nil {
		return nil, nil, err
	}
	u.modes.keep(id, mode)
	it, _ := u.s.Get(id)
	u.m.Log.WithFields(logrus.Fields{"op": "create", "path": "assets/" + name, "item": id, "kind": view.ClassifyPath(name).String()}).Debug("file created")
	h := &uploadHandle{up: u, id: id, ino: Ino(id), f: f, write: true, fresh: true, stream: u.s.NewStreamer(name)}
	return u.Entry(ctx, parent, it, out), h, nil
}
