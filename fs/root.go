package fs

// Locking: Root has no mutable state of its own; its trees and the shared
// node.Mount keep theirs.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/fs/assets"
	"github.com/kreafs/kreafs/fs/jobs"
	"github.com/kreafs/kreafs/fs/models"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/styles"
)

// Defaults for zero values of Config.
const (
	DefaultDirCacheTTL = node.DefaultDirCacheTTL
	DefaultUmask       = node.DefaultUmask
	DefaultOpTimeout   = node.DefaultOpTimeout
)

// Config configures the file system (node.Config). Zero values mean the
// defaults.
type Config = node.Config

// Remote is what the mount needs from the Krea API (Remote).
type Remote = node.Remote

// Root is the mount's root directory: assets/, jobs/, styles/, models/ and
// .kreafs.
type Root struct {
	gofs.Inode
	node.BigStatfs

	m      *node.Mount
	assets *assets.Tree
}

// NewRoot checks cfg, fills in defaults and builds the tree's root.
func NewRoot(cfg Config) (*Root, error) {
	m, err := node.NewMount(cfg)
	if err != nil {
		return nil, err
	}
	t, err := assets.New(m)
	if err != nil {
		return nil, err
	}
	return &Root{m: m, assets: t}, nil
}

// Close ends background work and waits for it and for the kernel
// notifications still being sent. Call it after the server has been
// unmounted.
func (r *Root) Close() {
	r.m.Stop()
	r.assets.Close()
}

// OnAdd builds the fixed part of the tree once the root is mounted.
func (r *Root) OnAdd(ctx context.Context) {
	r.m.Resolver = treeResolver{root: r.EmbeddedInode(), ctx: func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(r.m.BackgroundContext(), r.m.Cfg.OpTimeout)
	}}
	r.addDir(ctx, "assets", r.assets.Dir())
	r.addDir(ctx, "jobs", jobs.New(r.m))
	r.addDir(ctx, "styles", styles.New(r.m))
	r.addDir(ctx, "models", models.New(r.m))
	r.assets.OnAdd(ctx)
	r.addStatusDir(ctx)
}

// addDir adds a directory child that lives as long as the mount.
func (r *Root) addDir(ctx context.Context, name string, n gofs.InodeEmbedder) {
	ch := r.NewPersistentInode(ctx, n, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: node.DirIno(name)})
	r.AddChild(name, ch, false)
}

// Getattr reports the root directory.
func (r *Root) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r.m.DirAttr(&out.Attr, r.m.Started)
	out.SetTimeout(r.m.Cfg.DirCacheTTL)
	return 0
}

// Rmdir refuses to remove the mount's fixed directories.
func (r *Root) Rmdir(ctx context.Context, name string) syscall.Errno {
	return syscall.EPERM
}

// Readdir lists the root: assets, jobs, styles, models and .kreafs.
func (r *Root) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return node.ChildrenWithDots(r.EmbeddedInode()), 0
}
