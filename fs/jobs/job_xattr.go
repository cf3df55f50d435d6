package jobs

// Extended attributes of MOUNT/jobs/<id>: user.krea.id and
// user.krea.status (node/xattr.go). The status is the job's current
// snapshot (watched while unfinished, like MOUNT/jobs/<id>/status).

import (
	"context"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/node"
)

var jobXattrNames = []node.Xattr{{Name: node.XattrPrefix + "id"}, {Name: node.XattrPrefix + "status"}}

// Getxattr answers user.krea.id at once and user.krea.status from the
// job's snapshot; ENODATA for every other name.
func (jd *jobDir) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	switch attr {
	case node.XattrPrefix + "id":
		return node.GetXattr([]node.Xattr{{Name: attr, Value: jd.id}}, attr, dest)
	case node.XattrPrefix + "status":
		j, err := jd.job(ctx)
		if err != nil {
			return 0, node.Fail(jd.d.r.Log, logrus.Fields{"op": "getxattr", "path": "jobs/" + jd.id}, err)
		}
		return node.GetXattr([]node.Xattr{{Name: attr, Value: j.Status}}, attr, dest)
	}
	return 0, syscall.ENODATA
}

// Listxattr lists user.krea.id and user.krea.status.
func (jd *jobDir) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return node.ListXattr(jobXattrNames, dest)
}
