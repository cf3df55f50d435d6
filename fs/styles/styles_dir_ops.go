package styles

// styles/: the FUSE directory operations (Lookup, Readdir, Getattr and
// the refusals).

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// Lookup finds a style by its listed name; else (hidden from listings) by
// id, which is what a training job's style link points at.
func (d *stylesDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if name == view.ByIDName {
		return d.r.LookupByID(&d.Inode, node.FinishedTTL, out), 0
	}
	if !view.UsableName(name) {
		return nil, syscall.ENOENT
	}
	f := logrus.Fields{"op": "lookup", "path": "styles/" + name}
	s, via, err := d.lookup(ctx, name)
	if err != nil {
		// A directory made to train a style, until the style takes its name.
		if ch, ok := d.named.Entry(ctx, &d.Inode, name, out); ok {
			return ch, 0
		}
		return nil, node.Fail(d.r.Log, f, err)
	}
	return d.styleEntry(ctx, &d.Inode, s, via, out)
}

// Readdir lists the user's and shared styles by name (.by-id and the id
// aliases are not listed).
func (d *stylesDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	t, err := d.table(ctx, false)
	if err != nil {
		return nil, node.Fail(d.r.Log, logrus.Fields{"op": "readdir", "path": "styles"}, err)
	}
	entries := make([]fuse.DirEntry, 0, len(t.Names()))
	for _, name := range t.Names() {
		entries = append(entries, fuse.DirEntry{Name: name, Mode: syscall.S_IFDIR, Ino: styleDirIno(t.ByName.At(name).ID, viaName)})
	}
	for _, name := range d.named.Names() {
		if t.ByName.At(name) == nil {
			entries = append(entries, fuse.DirEntry{Name: name, Mode: syscall.S_IFDIR, Ino: d.named.Ino(name)})
		}
	}
	return node.WithDots(d.EmbeddedInode(), entries), 0
}

// Getattr reports styles/ itself; its mtime is when its names last changed.
func (d *stylesDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.r.DirAttr(&out.Attr, d.names.Mtime())
	out.SetTimeout(d.r.Cfg.DirCacheTTL)
	return 0
}

// Mkdir makes a directory where writing train.json trains a style
// (fs/named); a name a style has exists already.
func (d *stylesDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	exists := func() bool {
		_, _, err := d.lookup(ctx, name)
		return err == nil
	}
	return d.named.Mkdir(ctx, &d.Inode, name, exists, out)
}

// Rmdir removes a directory made to train a style (cancelling a training
// that can be); the API has no way to delete a style.
func (d *stylesDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	if _, ok := d.named.Has(name); ok {
		if _, _, err := d.lookup(ctx, name); err != nil {
			return d.named.Rmdir(ctx, name)
		}
	}
	return d.refuse("rmdir", "styles/"+name)
}

// Create, Symlink, Link: styles/ holds only style directories.
func (d *stylesDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, d.refuse("create", "styles/"+name)
}

func (d *stylesDir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, d.refuse("symlink", "styles/"+name)
}

func (d *stylesDir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, d.refuse("link", "styles/"+name)
}

// refuse answers a change styles/ does not support: EROFS on a read-only
// mount, else EPERM, with one log line.
func (d *stylesDir) refuse(op, path string) syscall.Errno {
	if d.r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	d.r.Log.WithFields(logrus.Fields{"op": op, "path": path}).Info("refused: styles can only be listed, read and renamed")
	return syscall.EPERM
}
