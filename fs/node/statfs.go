package node

// statfs(2) (df, Finder's and file managers' free-space check before a
// copy). The kernel asks the node of the path given, so every node of
// assets/ answers, all with the same figures.

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/fs/view"
)

// FillStatfs reports a large, mostly free file system (1 TiB, all free),
// so that file managers agree to copy into it; the real limits are the
// account's (credits) and 75 MB per file.
func FillStatfs(out *fuse.StatfsOut) {
	const bsize = 4096
	const blocks = 1 << 40 / bsize // 1 TiB
	out.Bsize = bsize
	out.Frsize = bsize
	out.Blocks = blocks
	out.Bfree = blocks
	out.Bavail = blocks
	out.Files = 1 << 20
	out.Ffree = 1 << 20
	out.NameLen = view.MaxNameLen
}

// BigStatfs answers statfs(2) with FillStatfs; the nodes of assets/ and
// the root embed it.
type BigStatfs struct{}

func (BigStatfs) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	FillStatfs(out)
	return 0
}
