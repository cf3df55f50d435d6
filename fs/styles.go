package fs

// Placeholder for styles/ (filled by the jobs/styles work, which replaces
// this file): an empty directory.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

type stylesDir struct {
	gofs.Inode
	r *Root
}

func newStylesDir(r *Root) gofs.InodeEmbedder { return &stylesDir{r: r} }

func (d *stylesDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.r.dirAttr(&out.Attr, d.r.started)
	return 0
}

func (d *stylesDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return gofs.NewListDirStream(nil), 0
}
