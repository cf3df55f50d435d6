package node

// Telling the kernel that names it knows are gone (shared by assets/,
// styles/ and their .by-id directories). These run without our locks
// (see node.Mount.NotifyAsync).

import (
	"path/filepath"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// RemoveThroughMount removes name from dir with rm (syscall.Unlink or
// syscall.Rmdir) through the mount: dirPath is dir's path in it. The
// kernel's own unlink or rmdir is what sends watchers IN_DELETE, which a
// FUSE delete notification does not. Only while dirPath is still dir:
// after an unmount the path is the directory below, whose entries are not
// ours to remove (ESTALE then).
func RemoveThroughMount(dir *gofs.Inode, dirPath, name string, rm func(string) error) error {
	var st syscall.Stat_t
	if err := syscall.Stat(dirPath, &st); err != nil {
		return err
	}
	if st.Ino != dir.StableAttr().Ino {
		return syscall.ESTALE
	}
	return rm(filepath.Join(dirPath, name))
}

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
