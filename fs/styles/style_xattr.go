package styles

// Extended attributes of a style's directory: user.krea.id and
// user.krea.public (node/xattr.go), from the styles listing.

import (
	"context"
	"strconv"
	"syscall"

	"github.com/kreafs/kreafs/fs/node"
)

func (sd *styleDir) xattrs() node.DirXattrs {
	return node.DirXattrs{ID: sd.id, Name: "public", Path: "styles/" + sd.id, Log: sd.d.r.Log,
		Value: func(ctx context.Context) (string, error) {
			s, err := sd.d.style(ctx, sd.id)
			return strconv.FormatBool(s.Public), err
		}}
}

// Getxattr answers user.krea.id at once and user.krea.public ("true" or
// "false") from the style; ENODATA for every other name.
func (sd *styleDir) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	return sd.xattrs().Get(ctx, attr, dest)
}

// Listxattr lists user.krea.id and user.krea.public.
func (sd *styleDir) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	return sd.xattrs().List(dest)
}
