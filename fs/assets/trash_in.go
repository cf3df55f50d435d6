package assets

// Moving an asset into the trash (package trash keeps the trash's tree):
// mv of an asset into MOUNT/.Trash-<uid>/files/ hides it here and keeps
// it on Krea (state.Trash, shared with package trash).
//
// Locking: none of its own.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// trashAsset is mv of the asset at path p into files/ as name: hidden
// from assets/, kept on Krea. The info file GIO wrote first (if any) says
// where it was; else kreafs writes one.
func (d *assetsDir) trashAsset(ctx context.Context, p, name string) syscall.Errno {
	r := d.r
	fields := logrus.Fields{"op": "rename", "path": "assets/" + p, "to": view.TrashDirName(r.Cfg.UID) + "/files/" + name}
	if errno := r.writable(); errno != 0 {
		return errno
	}
	if !view.UsableName(name) {
		return syscall.EINVAL
	}
	t, err := d.table(ctx)
	if err != nil {
		return node.Fail(r.Log, fields, err)
	}
	if t.IsFolder(p) {
		r.Log.WithFields(fields).Info("a folder cannot be trashed (EXDEV): its files can")
		return syscall.EXDEV
	}
	a := t.ByName.At(p)
	if a == nil {
		if d.queuedAt(p) {
			r.Log.WithFields(fields).Info("a file not uploaded yet cannot be trashed (EXDEV)")
			return syscall.EXDEV
		}
		return syscall.ENOENT
	}
	e, _ := r.trash.Get(name)
	if e.ID != "" && e.ID != a.ID {
		return syscall.EEXIST
	}
	e.Name, e.ID = name, a.ID
	if !e.HasInfo {
		e.Path, e.Deleted = "assets/"+p, view.FormatDeletionDate(r.Cfg.Clock())
	}
	if err := r.trash.Put(e); err != nil {
		return node.Fail(r.Log, fields, err)
	}
	dir, _ := view.SplitParent(p)
	d.keepFolder(dir)
	r.Log.WithFields(fields).Info("asset trashed: hidden here, kept on Krea until the trash is emptied")
	return 0
}

// --- what the trash (package trash) needs of assets/ ---

// TrashState is what the trash holds (assets/ hides it).
func (r *Tree) TrashState() *state.Trash { return r.trash }

// Writable is 0, or EROFS on a read-only mount.
func (r *Tree) Writable() syscall.Errno { return r.writable() }

// Asset is the listed asset id, trashed or not (nil: none, or no listing).
func (r *Tree) Asset(ctx context.Context, id string) *api.Asset {
	t, err := r.assets.installed(ctx)
	if err != nil {
		return nil
	}
	return t.ByID.At(id)
}

// AssetEntry is the node of asset a under parent, out filled.
func (r *Tree) AssetEntry(ctx context.Context, parent *gofs.Inode, a *api.Asset, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return r.assetEntry(ctx, parent, a, out)
}

// DeleteAsset deletes asset id (rm: upload.Session.Delete); p names it in
// the log.
func (r *Tree) DeleteAsset(ctx context.Context, p, id string) error {
	return r.up.DeleteAsset(ctx, p, id)
}

// FolderOf is the folder path of a directory node of assets/ ("" for
// assets/ itself); ok is false for any other node.
func (r *Tree) FolderOf(n gofs.InodeEmbedder) (string, bool) { return r.assets.dirPath(n) }
