package fs

// What assets/ and its files refuse, or accept as no-ops, until writes
// give these operations a meaning (docs/semantics.md, "POSIX calls").

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Mkdir: assets/ is flat; Krea has no folders.
func (d *assetsDir) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

// Symlink: an asset is a file of bytes; there are no links.
func (d *assetsDir) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

// Link: no hard links (every asset already has its .by-id name).
func (d *assetsDir) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EPERM
}

// Fsync on assets/ (sync MOUNT/assets): nothing is pending, so done.
func (d *assetsDir) Fsync(ctx context.Context, fh gofs.FileHandle, flags uint32) syscall.Errno {
	return 0
}

// Fsync on an open asset: its bytes are already stored at Krea.
func (h *assetHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return 0
}

// Flush (every close): nothing to write back.
func (h *assetHandle) Flush(ctx context.Context) syscall.Errno {
	return 0
}
