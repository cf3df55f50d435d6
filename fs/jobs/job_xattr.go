package jobs

// Extended attributes of MOUNT/jobs/<id>: user.krea.id and
// user.krea.status (node/xattr.go). The status is the job's current
// snapshot (watched while unfinished, like MOUNT/jobs/<id>/status).

import (
	"context"
	"syscall"

	"github.com/kreafs/kreafs/fs/node"
)

func (jd *jobDir) xattrs() node.DirXattrs {
	return node.DirXattrs{ID: jd.id, Name: "status", Path: "jobs/" + jd.id, Log: jd.d.r.Log,
		Value: func(ctx context.Context) (string, error) {
			j, err := jd.job(ctx)
			return j.Status, err
		}}
}

// Getxattr answers user.krea.id at once and user.krea.status from the
// job's snapshot; ENODATA for every other name.
func (jd *jobDir) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return jd.xattrs().Get(ctx, attr, dest)
}

// Listxattr lists user.krea.id and user.krea.status.
func (jd *jobDir) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return jd.xattrs().List(dest)
}
