package fs

// MOUNT/.kreafs/events: one line per change the mount sees (view.Events),
// for tail -f and scripts. The file only grows: getattr reports every byte
// logged so far and is never cached (tail -f on FUSE polls the size), and
// a read at an offset returns those bytes (direct I/O: the kernel keeps no
// copy).
//
// Locking: none of its own (view.Events has its lock).

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/fs/node"
)

// eventsFile is MOUNT/.kreafs/events.
type eventsFile struct {
	gofs.Inode
	m *node.Mount
}

// Getattr reports the bytes logged so far, read-only, never cached.
func (e *eventsFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	e.m.FileAttr(&out.Attr, node.InoFor("status:events"), e.m.Events.Size(), e.m.Cfg.Clock())
	out.Mode = syscall.S_IFREG | (0o444 &^ e.m.Cfg.Umask)
	out.SetTimeout(0)
	return 0
}

// Open gives a handle that reads the log at any offset.
func (e *eventsFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if node.WantsWrite(flags) {
		return nil, 0, syscall.EACCES
	}
	return &eventsHandle{m: e.m}, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr: the events file cannot be changed.
func (e *eventsFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EACCES
}

type eventsHandle struct{ m *node.Mount }

func (h *eventsHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n := h.m.Events.ReadAt(dest, off)
	return fuse.ReadResultData(dest[:n]), 0
}
