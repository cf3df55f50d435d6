package written

// An open queued file: reads and writes go to the spool file on disk
// (never to memory), and the upload follows the last close.
//
// The upload is handed to the queue at the close (FLUSH) of the last
// writer, not at its RELEASE: the kernel sends RELEASE after close(2) has
// returned, so `cp x MOUNT/assets/ && sync MOUNT/assets/x` could otherwise
// fsync before the file was queued. A handle still written after that
// (a dup'd descriptor, an mmap) takes the file back (OpenWrite).
//
// Locking: uploadHandle.mu guards f and handedOver, and is held across a
// write so that a concurrent close cannot hand over a half-written file.
// go-fuse runs Release after every other call on the handle has returned.
// The item's shared state is the session's (its locks are taken inside h.mu).

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
)

// WriteOpenFlags are the open flags of a handle open for writing:
// FOPEN_DIRECT_IO, so the kernel hands each write to us without copying it
// into the file's page cache first (one copy and one new page-cache page
// per byte less; the spool file has the bytes). Measured with `cp` of
// 64 MiB into assets/: see the commit that added it. Reads through such a
// handle come to us too (served from the spool by fd); shared mmap of it
// works through the kernel's page cache (CAP_DIRECT_IO_ALLOW_MMAP, Linux
// 6.6+; on older kernels it fails with ENODEV).
const WriteOpenFlags = fuse.FOPEN_DIRECT_IO

// uploadHandle is one open(2) of a queued file.
type uploadHandle struct {
	up    *Files
	ino   uint64 // the node it was opened on (shown by fstat)
	write bool   // opened for writing
	// released, if set, runs at RELEASE (an asset's writer: node.File.WriterReleased)
	released func()

	mu          sync.Mutex
	id          string           // queue item id (a handle written after its upload finished moves to a new item)
	f           *upload.File     // the file's bytes: read-only, or read-write
	handedOver  bool             // a write handle whose close handed the file to the queue
	stream      *upload.Streamer // the upload streamed while written (upload.Streamer); nil if not possible
	fresh       bool             // this open made the content: created, truncated, or a replacement of an uploaded asset (see tooBigLocked)
	writers     []uint32         // processes that changed the file through this handle (upload_writers.go)
	writersFull bool             // more than maxWriters of them: every flush counts
}

// state is the handle's item and spool file.
func (h *uploadHandle) state() (string, *upload.File) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.id, h.f
}

func (h *uploadHandle) item() string {
	id, _ := h.state()
	return id
}

// writableLocked returns the spool file for writing, taking the file back
// from the queue if this handle's close already handed it over (a write
// through a dup'd descriptor or an mmap after a close). If the upload
// finished meanwhile, the handle moves to a new queued file that replaces
// the new asset.
func (h *uploadHandle) writableLocked(ctx context.Context) (*upload.File, error) {
	if !h.write {
		return nil, syscall.EBADF
	}
	if !h.handedOver {
		return h.f, nil
	}
	h.stream.Stop("written after its close")
	f, err := h.up.s.OpenWrite(h.id, false)
	if errors.Is(err, queue.ErrUnknownItem) {
		a, ok := h.up.s.DoneAsset(h.id)
		if !ok {
			return nil, err
		}
		nh, err := h.up.openAssetWrite(ctx, a, h.ino, syscall.O_WRONLY, false)
		if err != nil {
			return nil, err
		}
		h.f.Close()
		h.id, h.f, h.handedOver = nh.id, nh.f, false
		return h.f, nil
	}
	if err != nil {
		return nil, err
	}
	h.f.Close()
	h.f, h.handedOver = f, false
	return f, nil
}

func (h *uploadHandle) fields(op string) logrus.Fields {
	return h.up.itemFields(op, h.item())
}

func (u *Files) itemFields(op, id string) logrus.Fields {
	f := logrus.Fields{"op": op, "item": id}
	if it, ok := u.s.Get(id); ok {
		f["path"] = "assets/" + it.Name
	}
	return f
}

// openItemWrite opens queued item id for writing.
func (u *Files) openItemWrite(id string, ino uint64, flags uint32) (*uploadHandle, error) {
	f, err := u.s.OpenWrite(id, flags&syscall.O_TRUNC != 0)
	if err != nil {
		return nil, err
	}
	return &uploadHandle{up: u, id: id, ino: ino, f: f, write: true, fresh: flags&syscall.O_TRUNC != 0}, nil
}

// openAssetWrite opens an uploaded asset for writing: a new queued file
// under the asset's name, holding the asset's bytes (from the content
// cache, downloaded if needed) unless the open truncates. At its last
// close it is uploaded as a replacement; the old asset is deleted once that
// upload succeeded. wait: see notifyNames.
func (u *Files) openAssetWrite(ctx context.Context, a api.Asset, ino uint64, flags uint32, wait bool) (*uploadHandle, error) {
	name, ok := u.host.ShownName(ctx, a.ID)
	if !ok {
		// A node the kernel still holds for an asset that a queued file
		// replaces now (its name was just moved with mv): write that file.
		if id, ok := u.replacerOf(a.ID); ok {
			return u.openItemWrite(id, ino, flags)
		}
		return nil, fmt.Errorf("asset %s has no name in assets/ to write it under: %w", a.ID, syscall.EPERM)
	}
	id, f, err := u.s.Replacement(ctx, name, a, flags&syscall.O_TRUNC != 0)
	if err != nil {
		return nil, err
	}
	u.NotifyNames(wait, name)
	u.m.Log.WithFields(logrus.Fields{"op": "open", "path": "assets/" + name, "id": a.ID, "item": id,
		"trunc": flags&syscall.O_TRUNC != 0}).Debug("asset opened for writing: a replacement is queued")
	// fresh: dropping this replacement loses only this open's changes
	// (the asset stays on the account).
	h := &uploadHandle{up: u, id: id, ino: ino, f: f, write: true, fresh: true}
	if flags&syscall.O_TRUNC != 0 {
		h.stream = u.s.NewStreamer(name) // the spool starts empty
	}
	return h, nil
}

// Read reads the spool (the kernel reads it straight from the file).
func (h *uploadHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	_, f := h.state()
	return fuse.ReadResultFd(f.Fd(), off, len(dest)), 0
}

// Write writes to the spool. A write that would take the file past Krea's
// 75 MB limit fails with EFBIG (tooBigLocked).
func (h *uploadHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if !h.write {
		return 0, syscall.EBADF
	}
	if off < 0 {
		return 0, syscall.EINVAL
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if end := off + int64(len(data)); end > api.MaxUploadBytes {
		return 0, h.tooBigLocked("write", end)
	}
	f, err := h.writableLocked(ctx)
	if err != nil {
		return 0, node.Fail(h.up.m.Log, h.up.itemFields("write", h.id), err)
	}
	h.up.changed(h.id)
	h.noteWriterLocked(ctx)
	n, err := f.WriteAt(data, off)
	if err != nil {
		h.stream.Stop("a write failed")
		h.up.s.Reject(h.id, fmt.Errorf("writing the local copy: %w", err))
		return uint32(n), node.Fail(h.up.m.Log, h.up.itemFields("write", h.id), err)
	}
	h.up.s.StreamWrote(h.stream, h.id, f, off, int64(n))
	return uint32(n), 0
}

// tooBigLocked is the one answer to every call that would take the file
// past Krea's 75 MB limit (write, ftruncate, fallocate; copy_file_range
// and mmap come as writes): EFBIG, and what it means for the file is the
// session's (upload.Session.TooBig).
func (h *uploadHandle) tooBigLocked(op string, end int64) syscall.Errno {
	if h.fresh {
		h.stream.Stop("past the size limit")
	}
	h.up.s.TooBig(h.id, op, end, h.fresh)
	return syscall.EFBIG
}

// Flush is close(2). The close of the last writer hands the file to the
// queue (upload after the delay). For a file with a final name it first
// checks that the content is a type Krea accepts: refused content fails
// the close (EINVAL; EFBIG for a file that grew past the limit), is logged
// with the reason, and is not queued but removed.
//
// A close may come before the writes (a shell's `> file` opens, dup2s and
// closes first; so does dd): an empty file is then kept local, and an
// asset opened for writing and not changed yet stays as it is; the next
// close decides. A close in a process that did not write through the
// handle (a child's copy of the descriptor) decides nothing
// (upload_writers.go).
func (h *uploadHandle) Flush(ctx context.Context) syscall.Errno {
	if !h.write {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.flushIsWritersLocked(ctx) {
		// A copy of the descriptor closed in a process that did not
		// write (a child's exec): not the writer's close.
		h.up.m.Log.WithFields(h.up.itemFields("flush", h.id)).Debug("close by a process that did not write through this handle: not the writer's close")
		return 0
	}
	if h.handedOver || h.up.s.Writers(h.id) > 1 || h.up.s.IsClean(h.id) {
		// Handed over already; or another handle still writes (the last
		// one decides); or nothing changed yet.
		return rejectionErrno(h.up.s.Rejection(h.id))
	}
	errno := rejectionErrno(h.up.s.Rejection(h.id))
	if errno == 0 {
		switch err := h.up.s.CheckClose(h.id, h.f); {
		case errors.Is(err, upload.ErrNotAccepted):
			h.stream.Stop("type refused")
			errno = syscall.EINVAL
		case err != nil:
			return node.Fail(h.up.m.Log, h.up.itemFields("close", h.id), err)
		}
	}
	h.handedOver = true
	h.up.Release(h.id, true)
	return errno
}

// rejectionErrno is the errno of a rejected file's close and fsync.
func rejectionErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if errors.Is(err, upload.ErrNotAccepted) {
		return syscall.EINVAL
	}
	return node.ToErrno(err)
}

// Fsync waits for the upload of the file and returns its error (for a file
// still open for writing, or kept local, it makes the bytes durable on
// local disk and returns).
func (h *uploadHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	id := h.item()
	if err := h.up.s.Rejection(id); err != nil {
		return rejectionErrno(err)
	}
	err := h.up.s.Wait(ctx, id)
	if err == nil || errors.Is(err, queue.ErrCanceled) {
		return 0
	}
	return node.Fail(h.up.m.Log, h.up.itemFields("fsync", id), err)
}

// Release closes the spool file. A write handle not handed over at its
// close (another writer was open then, or nothing had changed) ends its
// writer here; the last one hands the file to the queue (see
// Files.Release).
func (h *uploadHandle) Release(ctx context.Context) syscall.Errno {
	h.mu.Lock()
	id, f, handed := h.id, h.f, h.handedOver
	h.mu.Unlock()
	if err := f.Close(); err != nil {
		h.up.m.Log.WithFields(h.up.itemFields("release", id)).WithError(err).Warn("closing the spool file")
	}
	if h.write && !handed {
		h.up.Release(id, false)
	}
	if h.released != nil {
		h.released()
	}
	return 0
}

// Getattr reports the spool's current size.
func (h *uploadHandle) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	_, f := h.state()
	size, modified, err := f.Stat()
	if err != nil {
		return node.Fail(h.up.m.Log, h.fields("getattr"), err)
	}
	h.up.itemAttr(&out.Attr, h.id, size, h.up.itemMtime(h.id, modified))
	out.SetTimeout(uploadAttrTTL)
	return 0
}

// TruncateByOpen runs truncate(2) of a file no handle is given for (a
// setattr with a size) as open for writing, ftruncate and close.
func TruncateByOpen(ctx context.Context, open func(context.Context, uint32) (gofs.FileHandle, uint32, syscall.Errno), in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	fh, _, errno := open(ctx, syscall.O_WRONLY)
	if errno != 0 {
		return errno
	}
	h := fh.(WriteHandle)
	errno = h.Setattr(ctx, in, out)
	if ferr := h.Flush(ctx); errno == 0 {
		errno = ferr
	}
	h.Release(ctx)
	return errno
}

// Setattr: ftruncate(2) resizes the spool (past 75 MB: EFBIG); the
// modification time is kept locally (node/mtimes.go), the mode while the
// file is queued (modes.go); the owner is accepted and not kept.
func (h *uploadHandle) Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if size, ok := in.GetSize(); ok {
		h.mu.Lock()
		if size > api.MaxUploadBytes {
			errno := h.tooBigLocked("truncate", int64(size))
			h.mu.Unlock()
			return errno
		}
		h.stream.Stop("truncated")
		f, err := h.writableLocked(ctx)
		if err == nil {
			h.up.changed(h.id)
			h.noteWriterLocked(ctx)
			err = f.Truncate(int64(size))
		}
		h.mu.Unlock()
		if err != nil {
			return node.Fail(h.up.m.Log, h.fields("truncate"), err)
		}
	}
	h.up.m.KeepMtime(ItemTimeKey(h.id), in)
	h.up.keepMode(h.id, in)
	return h.Getattr(ctx, out)
}
