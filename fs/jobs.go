package fs

// Placeholder for jobs/ (filled by the jobs/styles work, which replaces
// this file): an empty directory.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

type jobsDir struct {
	gofs.Inode
	r *Root
}

func newJobsDir(r *Root) gofs.InodeEmbedder { return &jobsDir{r: r} }

func (d *jobsDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.r.dirAttr(&out.Attr, d.r.started)
	return 0
}

func (d *jobsDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return gofs.NewListDirStream(nil), 0
}
