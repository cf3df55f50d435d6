package written

// fallocate(2) of a file open for writing in assets/: preallocation on the
// spool file, under the same 75 MB refusal as writes (tooBigLocked).
//
// Locking: as upload_handle.go (uploadHandle.mu held across the call).

import (
	"context"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/fs/node"
)

// fallocKeepSize is FALLOC_FL_KEEP_SIZE.
const fallocKeepSize = 0x1

// Allocate preallocates [off, off+size) of the spool (mode 0 grows the
// file with zeros, FALLOC_FL_KEEP_SIZE does not). Past 75 MB it fails with
// EFBIG like a write; other modes (punching holes, zero ranges) fail with
// EOPNOTSUPP, and programs fall back to writing.
func (h *uploadHandle) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	if !h.write {
		return syscall.EBADF
	}
	if mode&^fallocKeepSize != 0 {
		h.up.m.Log.WithFields(h.fields("fallocate")).WithField("mode", mode).Debug("fallocate mode not supported (EOPNOTSUPP)")
		return syscall.EOPNOTSUPP
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	end := off + size
	if end < off || end > api.MaxUploadBytes {
		return h.tooBigLocked("fallocate", int64(min(end, 1<<62)))
	}
	f, err := h.writableLocked(ctx)
	if err != nil {
		return node.Fail(h.up.m.Log, h.up.itemFields("fallocate", h.id), err)
	}
	if mode == 0 {
		h.stream.Stop("fallocate")
		h.up.changed(h.id)
		h.noteWriterLocked(ctx)
	}
	if err := f.Allocate(mode, int64(off), int64(size)); err != nil {
		return node.Fail(h.up.m.Log, h.up.itemFields("fallocate", h.id), err)
	}
	return 0
}

// Allocate on an asset opened for writing: past the limit it fails without
// copying the asset's bytes (nothing is made, the asset stays); else the
// replacement is made and preallocated.
func (l *lazyHandle) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	if h := l.made(); h == nil && (off+size < off || off+size > api.MaxUploadBytes) {
		return l.tooBig("fallocate", int64(min(off+size, 1<<62)))
	}
	h, err := l.make(ctx)
	if err != nil {
		return l.fail("fallocate", err)
	}
	return h.Allocate(ctx, off, size, mode)
}

// tooBig refuses a call that would take an asset opened for writing past
// the limit before its replacement exists: nothing is copied or made.
func (l *lazyHandle) tooBig(op string, end int64) syscall.Errno {
	return node.Refuse(l.u.m.Log, logrus.Fields{"op": op, "id": l.a.ID, "size": end}, syscall.EFBIG,
		op+" past the 75 MB upload limit refused (EFBIG); the asset is unchanged")
}
