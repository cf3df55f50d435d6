package fs

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations each node type implements, checked at compile time.
// (jobs/ and styles/ keep their checks in their own files.)

// Root: the mount's top directory.
var (
	_ = (gofs.InodeEmbedder)((*Root)(nil))
	_ = (gofs.NodeOnAdder)((*Root)(nil))
	_ = (gofs.NodeGetattrer)((*Root)(nil))
	_ = (gofs.NodeRmdirer)((*Root)(nil))
	_ = (gofs.NodeStatfser)((*Root)(nil))
)

// assets/ and assets/.by-id/.
var (
	_ = (gofs.NodeLookuper)((*assetsDir)(nil))
	_ = (gofs.NodeReaddirer)((*assetsDir)(nil))
	_ = (gofs.NodeGetattrer)((*assetsDir)(nil))
	_ = (gofs.NodeUnlinker)((*assetsDir)(nil))
	_ = (gofs.NodeRmdirer)((*assetsDir)(nil))
	_ = (gofs.NodeMkdirer)((*assetsDir)(nil))
	_ = (gofs.NodeSymlinker)((*assetsDir)(nil))
	_ = (gofs.NodeLinker)((*assetsDir)(nil))
	_ = (gofs.NodeFsyncer)((*assetsDir)(nil))
	// Opens of assets/ get an assetsDirHandle (assets_opendir.go), which
	// lists through Readdir and lets the kernel keep the listing.
	_ = (gofs.NodeOpendirHandler)((*assetsDir)(nil))
	_ = (gofs.FileReaddirenter)((*assetsDirHandle)(nil))
	_ = (gofs.FileSeekdirer)((*assetsDirHandle)(nil))
	_ = (gofs.FileReleasedirer)((*assetsDirHandle)(nil))
	_ = (gofs.FileLookuper)((*assetsDirHandle)(nil))

	_ = (gofs.NodeLookuper)((*byIDDir)(nil))
	_ = (gofs.NodeReaddirer)((*byIDDir)(nil))
	_ = (gofs.NodeGetattrer)((*byIDDir)(nil))
	_ = (gofs.NodeUnlinker)((*byIDDir)(nil))
)

// An asset file and its open handle.
var (
	_ = (gofs.NodeGetattrer)((*assetFile)(nil))
	_ = (gofs.NodeOpener)((*assetFile)(nil))
	_ = (gofs.NodeSetattrer)((*assetFile)(nil))

	_ = (gofs.FileReader)((*assetHandle)(nil))
	_ = (gofs.FileReleaser)((*assetHandle)(nil))
	_ = (gofs.FilePassthroughFder)((*assetHandle)(nil))
	_ = (gofs.FileFsyncer)((*assetHandle)(nil))
	_ = (gofs.FileFlusher)((*assetHandle)(nil))
)

// Deliberately not implemented (go-fuse's default answer in brackets):
//
//   - The write path (Create, Rename, Mknod and the refusals in assets/,
//     writes through an upload handle, statfs everywhere) has its checks
//     in uploads_api_check.go.
//   - Allocate on asset files [ENOTSUP]: programs fall back to writing.
//   - Getxattr/Listxattr/Setxattr: disabled for the whole mount
//     (MountOptions.DisableXAttrs), so ls -l costs no xattr requests.
//   - Access: the kernel checks modes itself (default_permissions).
//   - Getlk/Setlk: the kernel handles locks locally (flock and POSIX locks
//     work within this machine; nothing is shared with other clients).
//   - Lseek (SEEK_DATA/SEEK_HOLE): the kernel's default (all data) is right.
//   - Readlink, Ioctl, Copy_file_range, Statx: nothing to offer.
