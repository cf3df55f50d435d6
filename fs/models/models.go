// Package models is MOUNT/models/: the generation endpoints of Krea's
// bundled spec as directories (models/image/bfl/flux-1-dev/), each with
// schema.json (its request schema) and example.json (a request.json that
// starts a job). The tree is fixed for the mount's life (fs/generate
// builds it); everything in it is read-only (EROFS on a read-only mount,
// else EPERM, with a log line).
//
// Locking: none; the tree never changes.
package models

import (
	"context"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/generate"
	"github.com/kreafs/kreafs/fs/node"
)

// New returns MOUNT/models. The bundled spec is parsed at the first look
// into models/, not at mount time: parsing it costs about 20 MiB of heap
// that a mount nobody generates from should not carry. If it cannot be
// read, models/ is empty and the error is logged once.
func New(m *node.Mount) gofs.InodeEmbedder {
	var once sync.Once
	var t *generate.ModelTree
	tree := func() *generate.ModelTree {
		once.Do(func() {
			var err error
			if t, err = generate.NewModelTree(); err != nil {
				m.Log.WithError(err).Error("models/: cannot read the bundled spec; models/ is empty")
			}
		})
		return t
	}
	return &dir{m: m, tree: tree}
}

// dir is models/ or one of its directories ("" is models/ itself).
type dir struct {
	gofs.Inode
	m    *node.Mount
	tree func() *generate.ModelTree // nil tree: the spec could not be read
	path string
}

func (d *dir) join(name string) string {
	if d.path == "" {
		return name
	}
	return d.path + "/" + name
}

func (d *dir) children() ([]string, bool) {
	t := d.tree()
	if t == nil {
		return nil, false
	}
	c, m, ok := t.Dir(d.path)
	if m != nil {
		c = append(append([]string(nil), c...), generate.ExampleFile, generate.SchemaFile)
	}
	return c, ok
}

// Lookup finds a subdirectory or a model's file.
func (d *dir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	t := d.tree()
	if t == nil {
		return nil, syscall.ENOENT
	}
	p := d.join(name)
	ino := node.InoFor("models:" + p)
	if data, ok := t.File(d.path, name); ok {
		ch := d.NewInode(ctx, &file{m: d.m, data: data, path: p}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino})
		d.m.FileAttr(&out.Attr, ino, int64(len(data)), d.m.Started)
		out.Mode &^= 0o222
		out.SetEntryTimeout(node.FinishedTTL)
		out.SetAttrTimeout(node.FinishedTTL)
		return ch, 0
	}
	if _, _, ok := t.Dir(p); !ok {
		return nil, syscall.ENOENT
	}
	ch := d.NewInode(ctx, &dir{m: d.m, tree: d.tree, path: p}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: ino})
	d.m.DirAttr(&out.Attr, d.m.Started)
	out.Ino = ino
	out.SetEntryTimeout(node.FinishedTTL)
	out.SetAttrTimeout(node.FinishedTTL)
	return ch, 0
}

// Readdir lists the subdirectories, or a model's two files.
func (d *dir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	names, _ := d.children()
	list := make([]fuse.DirEntry, 0, len(names))
	for _, n := range names {
		mode := uint32(syscall.S_IFDIR)
		if n == generate.ExampleFile || n == generate.SchemaFile {
			mode = syscall.S_IFREG
		}
		list = append(list, fuse.DirEntry{Name: n, Mode: mode, Ino: node.InoFor("models:" + d.join(n))})
	}
	return node.WithDots(d.EmbeddedInode(), list), 0
}

// Getattr reports the directory.
func (d *dir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.m.DirAttr(&out.Attr, d.m.Started)
	out.SetTimeout(node.FinishedTTL)
	return 0
}

func refuse(m *node.Mount, op, path string) syscall.Errno {
	if m.Cfg.ReadOnly {
		return syscall.EROFS
	}
	m.Log.WithFields(logrus.Fields{"op": op, "path": "models/" + path}).Info("refused: models/ is read-only (copy example.json into jobs/NAME/request.json)")
	return syscall.EPERM
}

func (d *dir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, refuse(d.m, "mkdir", d.join(name))
}

func (d *dir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, refuse(d.m, "create", d.join(name))
}

func (d *dir) Unlink(ctx context.Context, name string) syscall.Errno {
	return refuse(d.m, "unlink", d.join(name))
}

func (d *dir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return refuse(d.m, "rmdir", d.join(name))
}

func (d *dir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return refuse(d.m, "rename", d.join(name))
}

// file is schema.json or example.json.
type file struct {
	gofs.Inode
	m    *node.Mount
	data []byte
	path string
}

func (f *file) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	f.m.FileAttr(&out.Attr, f.StableAttr().Ino, int64(len(f.data)), f.m.Started)
	out.Mode &^= 0o222
	out.SetTimeout(node.FinishedTTL)
	return 0
}

func (f *file) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if node.WantsWrite(flags) {
		return nil, 0, refuse(f.m, "open for writing", f.path)
	}
	return &node.BytesHandle{Data: f.data, Owner: f.StableAttr().Ino}, fuse.FOPEN_KEEP_CACHE, 0
}

func (f *file) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return refuse(f.m, "setattr", f.path)
}
