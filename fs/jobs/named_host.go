package jobs

// jobs/ as the Host of its named request directories (fs/named): a started
// request's directory shows the job's own files.

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/named"
)

type namedHost struct{ d *jobsDir }

var _ named.Host = namedHost{}

func (h namedHost) Job(ctx context.Context, id string) (*api.Job, error) {
	j, err := h.d.current(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.Finished() {
		h.d.watch.arm(id)
	}
	return &j, nil
}

func (h namedHost) JobEntries(ctx context.Context, j *api.Job) []fuse.DirEntry {
	return h.d.jobDirEntries(ctx, j)
}

func (h namedHost) JobChild(ctx context.Context, parent *gofs.Inode, j *api.Job, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	for _, e := range h.d.entries(ctx, j, true) {
		if e.Name == name {
			return h.d.jobChild(ctx, parent, j.JobID, j, e, out)
		}
	}
	return nil, syscall.ENOENT
}

func (h namedHost) RemoveJob(ctx context.Context, id string) error { return h.d.removeJob(ctx, id) }

func (h namedHost) Refuse(op, path string) syscall.Errno { return h.d.refuse(op, path) }
