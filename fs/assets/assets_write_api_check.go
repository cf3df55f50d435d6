package assets

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations of the write path (docs/writes.md), checked at
// compile time (a written file's node and handles: written/api_check.go).
// assets_api_check.go has the read path's.

// assets/: creating, renaming, removing, fsync of the directory, and the
// refusals (EPERM) of what it cannot hold; statfs answered everywhere.
var (
	_ = (gofs.NodeCreater)((*assetsDir)(nil))
	_ = (gofs.NodeRenamer)((*assetsDir)(nil))
	_ = (gofs.NodeMknoder)((*assetsDir)(nil))
	_ = (gofs.NodeSetattrer)((*assetsDir)(nil))
	_ = (gofs.NodeStatfser)((*assetsDir)(nil)) // and Mkdir, Link, Symlink, Fsync: assets_api_check.go

	_ = (gofs.NodeCreater)((*byIDDir)(nil))
	_ = (gofs.NodeRenamer)((*byIDDir)(nil))
	_ = (gofs.NodeMkdirer)((*byIDDir)(nil))
	_ = (gofs.NodeStatfser)((*byIDDir)(nil))

	_ = (gofs.NodeStatfser)((*assetFile)(nil))
)

// Deliberately not implemented on the write path (go-fuse's answer):
//
//   - Allocate (fallocate): ENOTSUP; programs fall back to writing.
//   - CopyFileRange: ENOTSUP; cp falls back to read and write.
//   - Lseek SEEK_DATA/SEEK_HOLE on queued files: the kernel's default.
//   - Getxattr/Setxattr: disabled for the mount; Finder keeps its
//     metadata in ._* files, which stay local (fs/view/junk.go).
