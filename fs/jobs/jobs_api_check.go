package jobs

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations the jobs/ nodes implement, checked at compile time.

// jobs/
var (
	_ = (gofs.NodeLookuper)((*jobsDir)(nil))
	_ = (gofs.NodeReaddirer)((*jobsDir)(nil))
	_ = (gofs.NodeGetattrer)((*jobsDir)(nil))
	_ = (gofs.NodeRmdirer)((*jobsDir)(nil))
	_ = (gofs.NodeMkdirer)((*jobsDir)(nil))
	_ = (gofs.NodeCreater)((*jobsDir)(nil))
	_ = (gofs.NodeRenamer)((*jobsDir)(nil))
	_ = (gofs.NodeSymlinker)((*jobsDir)(nil))
	_ = (gofs.NodeLinker)((*jobsDir)(nil))
)

// jobs/<id>/
var (
	_ = (gofs.NodeLookuper)((*jobDir)(nil))
	_ = (gofs.NodeReaddirer)((*jobDir)(nil))
	_ = (gofs.NodeGetattrer)((*jobDir)(nil))
	_ = (gofs.NodeUnlinker)((*jobDir)(nil))
	_ = (gofs.NodeRmdirer)((*jobDir)(nil))
	_ = (gofs.NodeMkdirer)((*jobDir)(nil))
	_ = (gofs.NodeCreater)((*jobDir)(nil))
	_ = (gofs.NodeRenamer)((*jobDir)(nil))
	_ = (gofs.NodeSymlinker)((*jobDir)(nil))
	_ = (gofs.NodeLinker)((*jobDir)(nil))
)

// job.json and status, their handle, the style link, result files.
var (
	_ = (gofs.NodeGetattrer)((*jobInfoFile)(nil))
	_ = (gofs.NodeOpener)((*jobInfoFile)(nil))
	_ = (gofs.NodeSetattrer)((*jobInfoFile)(nil))

	_ = (gofs.NodeReadlinker)((*symlinkNode)(nil))
	_ = (gofs.NodeGetattrer)((*symlinkNode)(nil))
)

// Deliberately not implemented (go-fuse's default answer in brackets):
//
//   - Unlink in jobs/: its entries are directories; the kernel answers
//     EISDIR itself.
//   - Write, Flush, Fsync on job files: the open for writing already
//     fails with EPERM (EROFS on a read-only mount).
//   - Readlink on anything but the style link: nothing else is a link.
//   - Statfs: the root answers for the whole mount.
