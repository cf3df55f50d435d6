package styles

// Extended attributes of a style's directory: user.krea.id and
// user.krea.public (node/xattr.go), from the styles listing.

import (
	"context"
	"strconv"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/node"
)

var styleXattrNames = []node.Xattr{{Name: node.XattrPrefix + "id"}, {Name: node.XattrPrefix + "public"}}

// Getxattr answers user.krea.id at once and user.krea.public ("true" or
// "false") from the style; ENODATA for every other name.
func (sd *styleDir) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	switch attr {
	case node.XattrPrefix + "id":
		return node.GetXattr([]node.Xattr{{Name: attr, Value: sd.id}}, attr, dest)
	case node.XattrPrefix + "public":
		s, err := sd.d.style(ctx, sd.id)
		if err != nil {
			return 0, node.Fail(sd.d.r.Log, logrus.Fields{"op": "getxattr", "path": "styles/" + sd.id}, err)
		}
		return node.GetXattr([]node.Xattr{{Name: attr, Value: strconv.FormatBool(s.Public)}}, attr, dest)
	}
	return 0, syscall.ENODATA
}

// Listxattr lists user.krea.id and user.krea.public.
func (sd *styleDir) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return node.ListXattr(styleXattrNames, dest)
}
