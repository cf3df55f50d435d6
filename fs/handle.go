package fs

// An open asset file: reads through the content cache.
//
// Locking: assetHandle has no mutex of its own; its fields are set before
// the handle is returned to go-fuse and not changed after, except that
// Release happens after every Read (the kernel guarantees it). The
// passthrough decision is taken under assetFile.mu (see openHandle).

import (
	"context"
	"errors"
	"io"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache"
)

// assetHandle is one open(2) of an asset.
type assetHandle struct {
	f           *assetFile
	rd          *cache.Reader
	id          string
	passthrough bool // the kernel reads the cache file itself
}

// openHandle opens a cache Reader for f and decides on passthrough.
//
// The kernel cannot have one inode open in passthrough mode and in
// ordinary (page cache) mode at once: a second open in the other mode
// fails. go-fuse registers the backing file on the first open that asks
// for passthrough and then uses it for every open of the inode until all
// are closed. So passthrough is asked for only when the content is
// complete and no ordinary handle of this inode is open; cachedOpens
// counts those.
func (f *assetFile) openHandle() *assetHandle {
	rd := f.r.cfg.Content.Open(f.source())
	a, _ := f.snapshot()
	h := &assetHandle{f: f, rd: rd, id: a.ID}
	f.mu.Lock()
	if !f.r.cfg.NoPassthrough && f.cachedOpens == 0 && rd.Complete() {
		h.passthrough = true
	} else {
		f.cachedOpens++
	}
	f.mu.Unlock()
	return h
}

// PassthroughFd hands go-fuse the cache file when the content is complete
// (see openHandle). go-fuse falls back to ordinary reads when the kernel
// or our privileges do not allow passthrough.
func (h *assetHandle) PassthroughFd() (int, bool) {
	if !h.passthrough {
		return -1, false
	}
	f := h.rd.File()
	if f == nil {
		return -1, false
	}
	return int(f.Fd()), true
}

// Read serves [off, off+len(dest)) from the cache file, fetching the
// missing ranges first (and read-ahead for sequential readers). The bytes
// go to the kernel straight from the cache file (splice), not via a copy.
func (h *assetHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := h.rd.Ensure(ctx, off, len(dest))
	if err != nil && !errors.Is(err, io.EOF) && n <= 0 {
		return nil, fail(h.f.r.log, logrus.Fields{"op": "read", "id": h.id, "off": off, "len": len(dest)}, err)
	}
	if size := h.rd.Size(); size >= 0 {
		h.f.learnSize(size)
	}
	if n <= 0 {
		return fuse.ReadResultData(nil), 0
	}
	file := h.rd.File()
	if file == nil { // cannot happen after a successful Ensure
		return nil, syscall.EIO
	}
	return fuse.ReadResultFd(file.Fd(), off, n), 0
}

// Release closes the Reader (unpinning the content for eviction).
func (h *assetHandle) Release(ctx context.Context) syscall.Errno {
	if !h.passthrough {
		h.f.mu.Lock()
		h.f.cachedOpens--
		h.f.mu.Unlock()
	}
	if err := h.rd.Close(); err != nil {
		h.f.r.log.WithFields(logrus.Fields{"op": "release", "id": h.id}).WithError(err).Debug("closing cache reader")
	}
	return 0
}
