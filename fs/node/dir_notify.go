package node

// Telling the kernel that names it knows are gone (shared by assets/,
// styles/ and their .by-id directories). These run without our locks
// (see node.Mount.NotifyAsync).

import (
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// ForgetNames tells the kernel to drop its cached entries for names of dir
// that we once returned (go-fuse still knows them as children). Runs
// without our locks (see notifyAsync).
func ForgetNames(dir *gofs.Inode, names []string) {
	for _, name := range names {
		if ch := dir.GetChild(name); ch != nil {
			dir.NotifyDelete(name, ch)
		}
	}
}

// OtherEntryWait bounds how long an rm waits for the kernel to drop the
// deleted asset's entry in the other directory (assets/ or .by-id/).
const OtherEntryWait = time.Second

// NotifyGone tells the kernel that name in dir is gone, if the kernel was
// told about it. NotifyEntry, not NotifyDelete: the latter locks the child
// inode, which an unlink in progress holds.
func NotifyGone(dir *gofs.Inode, name string) {
	if dir.GetChild(name) != nil {
		dir.NotifyEntry(name)
	}
}
