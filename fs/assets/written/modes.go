package written

// Permission bits of queued files. Krea stores no mode, so an asset shows
// 0644 (minus --umask, node.Mount.FileAttr). A queued file is still a
// local file, and programs that copy files compare its mode after writing:
// `rsync -rt` of a 0600 file chmods the temp file it wrote, and when the
// mode it then reads back differs it opens the file again and chmods it
// once more (an OPEN, a SETATTR, a FLUSH and a RELEASE per file copied).
// So a queued file shows the bits it was created with or last chmod'ed to
// (minus --umask) until its upload has landed. They are kept in memory
// only: a remount shows 0644 again.
//
// Locking: modes.mu guards m; it is held for map operations only.

import (
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

type modes struct {
	mu sync.Mutex
	m  map[string]uint32 // item id -> permission bits
}

// keep records perm (the low 9 bits are kept) for item id.
func (k *modes) keep(id string, perm uint32) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]uint32{}
	}
	k.m[id] = perm & 0o777
}

func (k *modes) forget(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, id)
}

func (k *modes) get(id string) (uint32, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	perm, ok := k.m[id]
	return perm, ok
}

// keepMode records the mode a setattr of queued item id asks for, if any.
func (u *Files) keepMode(id string, in *fuse.SetAttrIn) {
	if perm, ok := in.GetMode(); ok {
		u.modes.keep(id, perm)
	}
}

// itemAttr fills the attributes of queued item id: a file's (FileAttr)
// with the mode a program gave it.
func (u *Files) itemAttr(a *fuse.Attr, id string, size int64, mtime time.Time) {
	u.m.FileAttr(a, Ino(id), size, mtime)
	if perm, ok := u.modes.get(id); ok {
		a.Mode = syscall.S_IFREG | (perm &^ u.m.Cfg.Umask)
	}
}
