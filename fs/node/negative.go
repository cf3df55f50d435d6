package node

// Negative entries: a LOOKUP answered "no such name" that the kernel may
// keep for a while, so that the next lookups of that name by any process
// do not reach kreafs. go-fuse's node API caches misses only for a
// mount-wide NegativeTimeout; kreafs caches one only where its own answer
// may be that old anyway (assets/' burst rule, fs/assets/
// internal/misses), so a node marks such an answer with CacheMiss
// and NegativeEntries, around the node bridge, makes it a negative entry.
// The kernel drops it sooner when a create, mkdir or rename through the
// mount gives the name a file, or on a notification of the name.

import (
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// missMarker is the generation CacheMiss leaves in an EntryOut. An answer
// that names an inode has the inode's generation there instead (kreafs'
// are small), and an entry of READDIRPLUS that failed its lookup has node
// id 0, whose other fields the kernel ignores: so the mark never reaches
// the kernel as a node.
const missMarker = ^uint64(0)

// CacheMiss, in a Lookup that then answers ENOENT, lets the kernel keep
// that answer for d (a mount served through NegativeEntries).
func CacheMiss(out *fuse.EntryOut, d time.Duration) {
	if d <= 0 {
		return
	}
	out.Generation = missMarker
	out.SetEntryTimeout(d)
}

// NegativeEntries wraps a node bridge: a LOOKUP answered ENOENT after
// CacheMiss is answered as a negative entry (node id 0, with its timeout).
func NegativeEntries(raw fuse.RawFileSystem) fuse.RawFileSystem {
	return negativeEntries{raw}
}

type negativeEntries struct{ fuse.RawFileSystem }

func (n negativeEntries) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	st := n.RawFileSystem.Lookup(c, h, name, out)
	if out.Generation != missMarker {
		return st
	}
	out.Generation = 0
	if st == fuse.ENOENT && out.NodeId == 0 {
		return fuse.OK
	}
	out.SetEntryTimeout(0)
	return st
}
