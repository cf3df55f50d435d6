package assets

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations of the write path (docs/writes.md), checked at
// compile time. assets_api_check.go has the read path's.

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

// A queued file, its handles, and the handle of a finished one.
var (
	_ = (gofs.NodeGetattrer)((*uploadFile)(nil))
	_ = (gofs.NodeOpener)((*uploadFile)(nil))
	_ = (gofs.NodeSetattrer)((*uploadFile)(nil))
	_ = (gofs.NodeStatfser)((*uploadFile)(nil))

	_ = (gofs.FileReader)((*uploadHandle)(nil))
	_ = (gofs.FileWriter)((*uploadHandle)(nil))
	_ = (gofs.FileFlusher)((*uploadHandle)(nil))
	_ = (gofs.FileFsyncer)((*uploadHandle)(nil))
	_ = (gofs.FileReleaser)((*uploadHandle)(nil))
	_ = (gofs.FileGetattrer)((*uploadHandle)(nil))
	_ = (gofs.FileSetattrer)((*uploadHandle)(nil))
	_ = (gofs.FileAllocater)((*uploadHandle)(nil))

	_ = (gofs.FileReader)((*lazyHandle)(nil))
	_ = (gofs.FileWriter)((*lazyHandle)(nil))
	_ = (gofs.FileFlusher)((*lazyHandle)(nil))
	_ = (gofs.FileFsyncer)((*lazyHandle)(nil))
	_ = (gofs.FileReleaser)((*lazyHandle)(nil))
	_ = (gofs.FileGetattrer)((*lazyHandle)(nil))
	_ = (gofs.FileSetattrer)((*lazyHandle)(nil))
	_ = (gofs.FileAllocater)((*lazyHandle)(nil))
	_ = writeHandle((*uploadHandle)(nil))

	_ = (gofs.FileReader)((*cachedHandle)(nil))
	_ = (gofs.FileFsyncer)((*cachedHandle)(nil))
	_ = (gofs.FileReleaser)((*cachedHandle)(nil))
)

// Deliberately not implemented on the write path (go-fuse's answer):
//
//   - Allocate (fallocate): ENOTSUP; programs fall back to writing.
//   - CopyFileRange: ENOTSUP; cp falls back to read and write.
//   - Lseek SEEK_DATA/SEEK_HOLE on queued files: the kernel's default.
//   - Getxattr/Setxattr: disabled for the mount; Finder keeps its
//     metadata in ._* files, which stay local (fs/view/junk.go).
