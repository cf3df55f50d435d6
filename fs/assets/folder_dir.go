package assets

// Folders of assets/ (view/folders.go): an asset described
// "album/beach.png" is assets/album/beach.png. A folder is a directory
// node for a path; assets/ itself is the folder "". Every operation of a
// folder is assets/'s own on paths (lookupIn, createAt, unlinkName,
// rename): the upload queue keeps each file under its path, which it
// uploads as the asset's description. mkdir makes a local folder (kept in
// the state directory until rmdir); mv of a folder holding assets is
// EXDEV, so mv and file managers copy and delete on their own.
//
// Locking: none of its own; folderDir's fields are fixed.

import (
	"context"
	"strings"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// folderDir is MOUNT/assets/<path>.
type folderDir struct {
	gofs.Inode
	node.BigStatfs
	d    *assetsDir
	path string
}

// folderEntry returns the node of folder p (a child of parent) and fills
// out.
func (d *assetsDir) folderEntry(ctx context.Context, parent *gofs.Inode, p string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ch := parent.NewInode(ctx, &folderDir{d: d, path: p}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: view.FolderIno(p)})
	if _, ok := ch.Operations().(*folderDir); !ok {
		d.r.Log.WithFields(logrus.Fields{"op": "lookup", "path": "assets/" + p}).Error("inode number collision")
		return nil, syscall.EIO
	}
	d.r.DirAttr(&out.Attr, d.names.Mtime())
	out.SetEntryTimeout(d.r.Cfg.DirCacheTTL)
	out.SetAttrTimeout(d.r.Cfg.DirCacheTTL)
	return ch, 0
}

// dirPath is the folder path of a directory node of assets/ ("" for
// assets/ itself); ok is false for any other node.
func (d *assetsDir) dirPath(n gofs.InodeEmbedder) (string, bool) {
	switch x := n.(type) {
	case *assetsDir:
		return "", x == d
	case *folderDir:
		return x.path, x.d == d
	}
	return "", false
}

// inodeOf walks from assets/ to the node of folder p, through the
// children the kernel knows; nil when it knows none there.
func (d *assetsDir) inodeOf(p string) *gofs.Inode {
	n := &d.Inode
	if p == "" {
		return n
	}
	for _, seg := range splitPath(p) {
		if n = n.GetChild(seg); n == nil {
			return nil
		}
	}
	return n
}

// forgetPaths tells the kernel to drop the entries of paths under
// assets/ it knows (NotifyDelete: inotify watchers see IN_DELETE). Runs
// without our locks (NotifyAsync).
func (d *assetsDir) forgetPaths(paths []string) {
	for _, p := range paths {
		dir, name := view.SplitParent(p)
		n := d.inodeOf(dir)
		if n == nil {
			continue
		}
		if ch := n.GetChild(name); ch != nil {
			errno := n.NotifyDelete(name, ch)
			d.r.Log.WithFields(logrus.Fields{"op": "notify", "path": "assets/" + p, "errno": errno}).Debug("told the kernel the name is gone")
		}
	}
}

// lookupIn finds name in folder dir (parent its node): a queued file, a
// folder, or an asset; an unknown name is re-checked with the API first.
func (d *assetsDir) lookupIn(ctx context.Context, parent *gofs.Inode, dir, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if len(name) > view.MaxNameLen { // POSIX: a name component over NAME_MAX
		return nil, syscall.ENAMETOOLONG
	}
	if !view.UsableName(name) {
		return nil, syscall.ENOENT
	}
	p := view.JoinPath(dir, name)
	if a := d.ghost(p); a != nil { // being unlinked through the mount
		return d.r.assetEntry(ctx, parent, a, out)
	}
	if ch := d.lookupUpload(ctx, parent, p, out); ch != nil {
		return ch, 0
	}
	if t, err := d.table(ctx); err == nil && t.IsFolder(p) {
		return d.folderEntry(ctx, parent, p, out)
	}
	a, cacheFor, err := d.lookup(ctx, p)
	if node.ToErrno(err) == syscall.ENOENT {
		if t, terr := d.table(ctx); terr == nil && t.IsFolder(p) { // the re-check found it
			return d.folderEntry(ctx, parent, p, out)
		}
		node.CacheMiss(out, cacheFor)
	}
	if err != nil {
		return nil, node.Fail(d.r.Log, logrus.Fields{"op": "lookup", "path": "assets/" + p}, err)
	}
	return d.r.assetEntry(ctx, parent, a, out)
}

// listIn is what folder dir lists now (view.AssetTable.MergeDir).
func (d *assetsDir) listIn(ctx context.Context, dir string) (*view.List, error) {
	t, p, err := d.shown(ctx)
	if err != nil {
		return nil, err
	}
	if !t.IsFolder(dir) {
		return nil, syscall.ENOENT
	}
	d.watched()
	return t.MergeDir(dir, p.Queued), nil
}

// mkdirIn is mkdir of name in folder dir: a local folder, kept until
// rmdir.
func (d *assetsDir) mkdirIn(ctx context.Context, parent *gofs.Inode, dir, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	p := view.JoinPath(dir, name)
	fields := logrus.Fields{"op": "mkdir", "path": "assets/" + p}
	if errno := d.r.writable(); errno != 0 {
		return nil, errno
	}
	t, err := d.table(ctx)
	if err != nil {
		return nil, node.Fail(d.r.Log, fields, err)
	}
	if errno := t.MkdirErr(p, d.queuedAt); errno != 0 {
		switch errno {
		case syscall.EINVAL:
			d.r.Log.WithFields(fields).Warn("refused: not a folder name kreafs can keep (control characters, leading or trailing spaces, over 255 bytes, or reserved)")
		case syscall.EPERM:
			d.r.Log.WithFields(fields).Info("refused: the mount's trash is MOUNT/" + view.TrashDirName(d.r.Cfg.UID) + ", not a folder of assets/")
		}
		return nil, errno
	}
	if err := d.r.folders.Add(p); err != nil {
		return nil, node.Fail(d.r.Log, fields, err)
	}
	d.r.Log.WithFields(fields).Debug("folder made")
	return d.folderEntry(ctx, parent, p, out)
}

// rmdirIn is rmdir of name in folder dir: only an empty folder goes.
func (d *assetsDir) rmdirIn(ctx context.Context, dir, name string) syscall.Errno {
	p := view.JoinPath(dir, name)
	fields := logrus.Fields{"op": "rmdir", "path": "assets/" + p}
	if errno := d.r.writable(); errno != 0 {
		return errno
	}
	t, err := d.table(ctx)
	if err != nil {
		return node.Fail(d.r.Log, fields, err)
	}
	if errno := t.RmdirErr(p, d.queuedIn); errno != 0 {
		return errno
	}
	if err := d.r.folders.Remove(p); err != nil {
		return node.Fail(d.r.Log, fields, err)
	}
	return 0
}

// queuedAt reports whether a queued file is at path p.
func (d *assetsDir) queuedAt(p string) bool {
	_, ok := d.r.up.Session().Lookup(p)
	return ok
}

// queuedIn reports whether a queued file lies in folder dir.
func (d *assetsDir) queuedIn(dir string) bool {
	for _, q := range d.r.pending().Queued {
		if qd, _ := view.SplitParent(q.Name); qd == dir {
			return true
		}
	}
	return false
}

// keepFolder keeps folder dir after something left it through the mount
// (rm, mv): a folder emptied here stays until rmdir, so rm -r and mv end
// with the rmdir they expect.
func (d *assetsDir) keepFolder(dir string) {
	if dir == "" || d.r.folders.Has(dir) {
		return
	}
	if err := d.r.folders.Add(dir); err != nil {
		d.r.Log.WithFields(logrus.Fields{"op": "unlink", "path": "assets/" + dir}).WithError(err).Warn("could not keep the emptied folder")
	}
}

// renameFolder is mv of folder from to to: a folder holding assets is
// EXDEV (Krea cannot rename; mv copies and deletes), an empty one moves.
func (d *assetsDir) renameFolder(ctx context.Context, from, to string) syscall.Errno {
	fields := logrus.Fields{"op": "rename", "path": "assets/" + from, "to": "assets/" + to}
	t, err := d.table(ctx)
	if err != nil {
		return node.Fail(d.r.Log, fields, err)
	}
	if errno := t.RenameFolderErr(from, to, d.queuedAt); errno != 0 {
		if errno == syscall.EXDEV {
			d.r.Log.WithFields(fields).Debug("a folder holding assets cannot be renamed (EXDEV): mv copies it and deletes the old one")
		}
		return errno
	}
	if d.queuedIn(from) {
		return syscall.EXDEV
	}
	old := d.r.folders.List()
	for _, f := range old {
		if err := d.r.folders.Remove(f); err != nil {
			return node.Fail(d.r.Log, fields, err)
		}
	}
	for _, f := range view.MoveFolders(old, from, to) {
		if err := d.r.folders.Add(f); err != nil {
			return node.Fail(d.r.Log, fields, err)
		}
	}
	return 0
}

// --- the operations of a folder ---

// Lookup finds name in the folder.
func (f *folderDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return f.d.lookupIn(ctx, &f.Inode, f.path, name, out)
}

// Readdir lists the folder: its folders, assets and queued files.
func (f *folderDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	l, err := f.d.listIn(ctx, f.path)
	if err != nil {
		return nil, node.Fail(f.d.r.Log, logrus.Fields{"op": "readdir", "path": "assets/" + f.path}, err)
	}
	return node.WithDots(f.EmbeddedInode(), fuseEntries(l.Entries)), 0
}

// Getattr reports the folder; its mtime is assets/'s.
func (f *folderDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	f.d.r.DirAttr(&out.Attr, f.d.names.Mtime())
	out.Ino = view.FolderIno(f.path)
	out.SetTimeout(f.d.r.Cfg.DirCacheTTL)
	return 0
}

// Setattr (rsync -a, cp -p setting a folder's times or mode): accepted
// and not kept.
func (f *folderDir) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if errno := f.d.r.writable(); errno != 0 {
		return errno
	}
	return f.Getattr(ctx, fh, out)
}

// Fsync of a folder waits for every queued upload, as sync of assets/.
func (f *folderDir) Fsync(ctx context.Context, fh gofs.FileHandle, flags uint32) syscall.Errno {
	return f.d.Fsync(ctx, fh, flags)
}

// Create makes a new file in the folder, uploaded under its path.
func (f *folderDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return f.d.createIn(ctx, &f.Inode, f.path, name, flags, mode, out)
}

// Unlink deletes the asset (or queued file) behind name.
func (f *folderDir) Unlink(ctx context.Context, name string) syscall.Errno {
	return f.d.unlinkIn(ctx, f.path, name)
}

// Mkdir makes a folder in the folder.
func (f *folderDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return f.d.mkdirIn(ctx, &f.Inode, f.path, name, out)
}

// Rmdir removes an empty folder.
func (f *folderDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return f.d.rmdirIn(ctx, f.path, name)
}

// Rename moves a file or a folder (renameIn).
func (f *folderDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return f.d.renameIn(ctx, f.path, name, newParent, newName, flags)
}

var (
	_ gofs.NodeLookuper  = (*folderDir)(nil)
	_ gofs.NodeReaddirer = (*folderDir)(nil)
	_ gofs.NodeCreater   = (*folderDir)(nil)
	_ gofs.NodeMkdirer   = (*folderDir)(nil)
	_ gofs.NodeRmdirer   = (*folderDir)(nil)
	_ gofs.NodeRenamer   = (*folderDir)(nil)
	_ gofs.NodeUnlinker  = (*folderDir)(nil)
	_ gofs.NodeSetattrer = (*folderDir)(nil)
)

// splitPath is the segments of a folder path.
func splitPath(p string) []string { return strings.Split(p, "/") }
