package fs

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations each node type implements, checked at compile time.
// (Each subpackage keeps the checks of its node types.)

// Root: the mount's top directory.
var (
	_ = (gofs.InodeEmbedder)((*Root)(nil))
	_ = (gofs.NodeOnAdder)((*Root)(nil))
	_ = (gofs.NodeGetattrer)((*Root)(nil))
	_ = (gofs.NodeRmdirer)((*Root)(nil))
	_ = (gofs.NodeStatfser)((*Root)(nil))
	_ = (gofs.NodeReaddirer)((*Root)(nil))
)

// MOUNT/.kreafs/ and its status file.
var (
	_ = (gofs.NodeOnAdder)((*statusDir)(nil))
	_ = (gofs.NodeGetattrer)((*statusDir)(nil))
	_ = (gofs.NodeStatfser)((*statusDir)(nil))
	_ = (gofs.NodeGetattrer)((*statusFile)(nil))
	_ = (gofs.NodeOpener)((*statusFile)(nil))
	_ = (gofs.NodeSetattrer)((*statusFile)(nil))
	_ = (gofs.NodeReaddirer)((*statusDir)(nil))
	_ = (gofs.FileReader)((*statusHandle)(nil))
)

// Deliberately not implemented (go-fuse's default answer in brackets):
//
//   - The write path (Create, Rename, Mknod and the refusals in assets/,
//     writes through an upload handle, statfs everywhere) has its checks
//     in fs/assets/uploads_api_check.go.
//   - Allocate on asset files [ENOTSUP]: programs fall back to writing.
//   - Getxattr/Listxattr/Setxattr: disabled for the whole mount
//     (MountOptions.DisableXAttrs), so ls -l costs no xattr requests.
//   - Access: the kernel checks modes itself (default_permissions).
//   - Getlk/Setlk: the kernel handles locks locally (flock and POSIX locks
//     work within this machine; nothing is shared with other clients).
//   - Lseek (SEEK_DATA/SEEK_HOLE): the kernel's default (all data) is right.
//   - Readlink, Ioctl, Copy_file_range, Statx: nothing to offer.
