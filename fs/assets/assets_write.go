package assets

// Writes in assets/: create (cp), rename (mv, rsync's final rename),
// unlink (rm), fsync of the directory (sync MOUNT/assets), and the
// refusals (mkdir, mknod, links). The upload queue (cache/upload/queue) does
// the uploading; package written keeps the mount's side of it (the
// written files' nodes and handles), tree_written.go what assets/ shows.
//
// Locking: none of its own (see tree_written.go and assets_dir.go).

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/assets/written"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/trash"
	"github.com/kreafs/kreafs/fs/view"
)

// renameNoReplace is RENAME_NOREPLACE of renameat2(2).
const renameNoReplace = 0x1

// writable says whether the mount takes writes: EROFS when not.
func (r *Tree) writable() syscall.Errno {
	if r.readOnly {
		return syscall.EROFS
	}
	return 0
}

// lookupUpload finds a queued file by path (nil if there is none); parent
// is the node of its folder.
func (d *assetsDir) lookupUpload(ctx context.Context, parent *gofs.Inode, p string, out *fuse.EntryOut) *gofs.Inode {
	if !usableName(p) {
		return nil
	}
	it, ok := d.r.up.Session().Lookup(p)
	if !ok {
		return nil
	}
	return d.r.up.Entry(ctx, parent, it, out)
}

// shownName is the name an asset has in assets/.
func (d *assetsDir) shownName(ctx context.Context, id string) (string, bool) {
	t, err := d.table(ctx)
	if err != nil {
		return "", false
	}
	name, ok := t.NameOf.Get(id)
	return name, ok
}

// target is what a name of assets/ leads to: a queued file, an asset, or
// nothing.
type target struct {
	item  *queue.Item
	asset *api.Asset
}

func (t target) exists() bool { return t.item != nil || t.asset != nil }

// resolve finds what name leads to.
func (d *assetsDir) resolve(ctx context.Context, name string) (target, error) {
	if it, ok := d.r.up.Session().Lookup(name); ok {
		return target{item: &it}, nil
	}
	a, _, err := d.lookup(ctx, name)
	if err != nil {
		if node.ToErrno(err) == syscall.ENOENT {
			return target{}, nil
		}
		return target{}, err
	}
	return target{asset: a}, nil
}

// Create makes a new file in assets/ (cp, a download, rsync's temp file):
// a spool file queued for upload at its last close. Creating over an
// existing asset replaces it once the new upload succeeded.
func (d *assetsDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return d.createIn(ctx, &d.Inode, "", name, flags, mode, out)
}

// createIn is Create of name in folder dir (parent its node): the file is
// queued under its path, which its upload sends as the description. mode
// (the umask applied) is what a new file shows until uploaded.
func (d *assetsDir) createIn(ctx context.Context, parent *gofs.Inode, dir, name string, flags, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	p := view.JoinPath(dir, name)
	fields := logrus.Fields{"op": "create", "path": "assets/" + p}
	if errno := d.r.writable(); errno != 0 {
		return nil, nil, 0, errno
	}
	if !usableName(p) {
		return nil, nil, 0, node.Refuse(d.r.Log, fields, syscall.EINVAL, "refused: not a name kreafs can keep (control characters, invalid UTF-8, over 255 bytes, or reserved)")
	}
	if errno := d.r.refuseType("create", p); errno != 0 {
		return nil, nil, 0, errno
	}
	if t, err := d.table(ctx); err == nil && t.IsFolder(p) {
		return nil, nil, 0, syscall.EISDIR
	}
	ch, h, err := d.create(ctx, parent, p, flags, mode, out)
	if err != nil {
		return nil, nil, 0, node.Fail(d.r.Log, fields, err)
	}
	return ch, h, written.WriteOpenFlags, 0
}

func (d *assetsDir) create(ctx context.Context, parent *gofs.Inode, name string, flags, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, error) {
	dst, err := d.resolve(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return d.r.up.Create(ctx, parent, name, dst.item, dst.asset, flags, mode, out)
}

// unlinkIn is rm of name in folder dir (unlinkName); the folder stays
// until rmdir.
func (d *assetsDir) unlinkIn(ctx context.Context, dir, name string) syscall.Errno {
	p := view.JoinPath(dir, name)
	if d.unghost(p) { // our own unlink of an asset deleted elsewhere
		return 0
	}
	if errno := d.r.writable(); errno != 0 {
		return errno
	}
	if t, err := d.table(ctx); err == nil && t.IsFolder(p) {
		return syscall.EISDIR
	}
	if err := d.unlinkName(ctx, p); err != nil {
		return node.Fail(d.r.Log, logrus.Fields{"op": "unlink", "path": "assets/" + p}, err)
	}
	d.keepFolder(dir)
	return 0
}

// unlinkName is rm in assets/: a queued file's upload is cancelled; an
// uploaded asset is deleted (DELETE /assets/{id}, journaled and retried in
// the background; 404 counts as done). The name is gone at once.
func (d *assetsDir) unlinkName(ctx context.Context, name string) error {
	u := d.r.up
	t, err := d.resolve(ctx, name)
	if err != nil {
		return err
	}
	switch {
	case t.item != nil:
		if err := u.Cancel(*t.item); err != nil {
			return err
		}
		d.r.Log.WithFields(logrus.Fields{"op": "unlink", "path": "assets/" + name, "item": t.item.ID}).Info("queued file removed; its upload is canceled")
		return nil
	case t.asset != nil:
		if err := u.DeleteAsset(ctx, name, t.asset.ID); err != nil {
			return err
		}
		// The kernel drops assets/<name> itself; .by-id/<id> is ours.
		id := t.asset.ID
		d.r.NotifyWait(node.OtherEntryWait, func() { node.NotifyGone(&d.byID.Inode, id) })
		return nil
	}
	return syscall.ENOENT
}

// Rename moves a file within assets/. A queued file's upload is
// re-targeted to the new name; an uploaded asset is uploaded again under
// the new name and the old asset deleted after that (the API has no
// rename). A file renamed over another replaces it.
func (d *assetsDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return d.renameIn(ctx, "", name, newParent, newName, flags)
}

// renameIn is rename of name in folder dir to newName in newParent (a
// folder of assets/, else EXDEV). A folder moves only when it holds no
// asset (renameFolder); a file is renamed as in assets/ itself, under its
// new path.
func (d *assetsDir) renameIn(ctx context.Context, dir, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if trash.IsFiles(newParent) {
		return d.trashAsset(ctx, view.JoinPath(dir, name), newName)
	}
	newDir, ok := d.dirPath(newParent)
	if !ok {
		return syscall.EXDEV
	}
	name, newName = view.JoinPath(dir, name), view.JoinPath(newDir, newName)
	fields := logrus.Fields{"op": "rename", "path": "assets/" + name, "to": newName}
	if errno := d.r.writable(); errno != 0 {
		return errno
	}
	if flags&gofs.RENAME_EXCHANGE != 0 {
		return syscall.EINVAL
	}
	t, err := d.table(ctx)
	if err != nil {
		return node.Fail(d.r.Log, fields, err)
	}
	if t.IsFolder(name) {
		return d.renameFolder(ctx, name, newName)
	}
	if t.IsFolder(newName) {
		return syscall.EISDIR
	}
	if !usableName(newName) {
		return node.Refuse(d.r.Log, fields, syscall.EINVAL, "refused: not a name kreafs can keep (control characters, invalid UTF-8, over 255 bytes, or reserved)")
	}
	if name == newName {
		return 0
	}
	if errno := d.r.refuseType("rename", newName); errno != 0 {
		return errno
	}
	if err := d.rename(ctx, name, newName, flags&renameNoReplace != 0); err != nil {
		return node.Fail(d.r.Log, fields, err)
	}
	d.keepFolder(dir)
	return 0
}

func (d *assetsDir) rename(ctx context.Context, name, newName string, noReplace bool) error {
	u := d.r.up
	src, err := d.resolve(ctx, name)
	if err != nil {
		return err
	}
	if !src.exists() {
		return syscall.ENOENT
	}
	dst, err := d.resolve(ctx, newName)
	if err != nil {
		return err
	}
	if noReplace && dst.exists() {
		return syscall.EEXIST
	}
	var (
		reps []string
		drop *queue.Item // a queued file the rename overwrites
	)
	switch {
	case dst.asset != nil && (src.asset == nil || dst.asset.ID != src.asset.ID):
		reps = append(reps, dst.asset.ID)
	case dst.item != nil && (src.item == nil || dst.item.ID != src.item.ID):
		drop = dst.item
		// What the overwritten file was replacing is now replaced by
		// the renamed one (only what we still hold: the queue deletes
		// its own list when the item is cancelled).
		reps = append(reps, u.Forget(dst.item.ID)...)
	}
	if src.item != nil {
		err = u.RenameItem(*src.item, newName, reps)
	} else {
		err = u.RenameAsset(ctx, *src.asset, name, newName, reps)
	}
	if err != nil {
		return err
	}
	if drop != nil {
		if err := u.Cancel(*drop); err != nil {
			d.r.Log.WithFields(logrus.Fields{"op": "rename", "path": "assets/" + newName, "item": drop.ID}).WithError(err).Warn("canceling the overwritten file's upload")
		}
	}
	return nil
}

// Fsync of assets/ (sync MOUNT/assets) waits for every queued upload and
// delete, and returns their errors.
func (d *assetsDir) Fsync(ctx context.Context, fh gofs.FileHandle, flags uint32) syscall.Errno {
	if d.r.readOnly {
		return 0
	}
	return node.Fail(d.r.Log, logrus.Fields{"op": "fsyncdir", "path": "assets"}, d.r.up.Session().WaitAll(ctx))
}

// Setattr of assets/ itself (rsync -t, cp -p of a directory setting its
// times or mode): accepted and not kept.
func (d *assetsDir) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if errno := d.r.writable(); errno != 0 {
		return errno
	}
	return d.Getattr(ctx, fh, out)
}

// Mkdir makes a folder in assets/ (folder_dir.go).
func (d *assetsDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return d.mkdirIn(ctx, &d.Inode, "", name, out)
}

// Mknod, Link, Symlink: assets/ holds only regular files and folders.

func (d *assetsDir) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if errno := d.r.writable(); errno == 0 && mode&syscall.S_IFMT == syscall.S_IFREG {
		if errno := d.r.refuseType("mknod", name); errno != 0 {
			return nil, errno
		}
	}
	return nil, d.r.onlyFiles("mknod", "assets/"+name)
}

func (d *assetsDir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, d.r.onlyFiles("link", "assets/"+name)
}

func (d *assetsDir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, d.r.onlyFiles("symlink", "assets/"+name)
}

// onlyFiles answers an operation assets/ does not have: EROFS on a read-only
// mount, else EPERM, with one debug line.
func (r *Tree) onlyFiles(op, path string) syscall.Errno {
	if r.readOnly {
		return syscall.EROFS
	}
	r.Log.WithFields(logrus.Fields{"op": op, "path": path}).Debug("refused: assets/ holds only regular files")
	return syscall.EPERM
}

// .by-id/ is for reaching assets, not for writing: only rm works there.
func (b *byIDDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, b.d.r.onlyFiles("create", "assets/.by-id/"+name)
}

func (b *byIDDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return b.d.r.onlyFiles("rename", "assets/.by-id/"+name)
}

func (b *byIDDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, b.d.r.onlyFiles("mkdir", "assets/.by-id/"+name)
}
