package styles

// styles/.by-id: any style the API returns by id (FUSE operations).

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// styleByIDDir is MOUNT/styles/.by-id: any style the API returns by id.
type styleByIDDir struct {
	gofs.Inode
	d *stylesDir
}

// Lookup finds a style by id: from the listing, else from the API.
func (b *styleByIDDir) Lookup(ctx context.Context, id string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if !view.UsableName(id) {
		return nil, syscall.ENOENT
	}
	s, err := b.d.style(ctx, id)
	if err != nil {
		return nil, node.Fail(b.d.r.Log, logrus.Fields{"op": "lookup", "path": "styles/.by-id/" + id, "id": id}, err)
	}
	return b.d.styleEntry(ctx, &b.Inode, &s, viaByID, out)
}

// Readdir lists the ids of the listed styles.
func (b *styleByIDDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	t, err := b.d.table(ctx, false)
	if err != nil {
		return nil, node.Fail(b.d.r.Log, logrus.Fields{"op": "readdir", "path": "styles/.by-id"}, err)
	}
	entries := node.IDEntries(t.IDs(view.UsableName), syscall.S_IFDIR, func(id string) uint64 { return styleDirIno(id, viaByID) })
	return node.WithDots(b.EmbeddedInode(), entries), 0
}

// Getattr reports .by-id itself.
func (b *styleByIDDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	b.d.r.ByIDAttr(out)
	return 0
}

// Mkdir, Rmdir, Rename, Create in .by-id: refused like in styles/.
func (b *styleByIDDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, b.d.refuse("mkdir", "styles/.by-id/"+name)
}

func (b *styleByIDDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return b.d.refuse("rmdir", "styles/.by-id/"+name)
}

func (b *styleByIDDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return b.d.refuse("rename", "styles/.by-id/"+name)
}

func (b *styleByIDDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, b.d.refuse("create", "styles/.by-id/"+name)
}
