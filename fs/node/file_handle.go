package node

// An open asset file: reads through the content cache.
//
// Locking: fileHandle.mu guards failErr and failAt; the other fields are
// set before the handle is returned to go-fuse and not changed after
// (Release happens after every Read: the kernel guarantees it), except
// passthrough, which File.mu guards: set in openHandle, taken back in
// PassthroughFd (still within the open), read in Release. go-fuse calls
// PassthroughFd with its lock of the node's backing file held, and the
// end of a RELEASE (release_barrier.go) runs after it dropped that lock.

import (
	"context"
	"errors"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache"
)

// fileHandle is one open(2) of an asset.
type fileHandle struct {
	f           *File
	rd          *cache.Reader
	id          string
	passthrough bool // the kernel reads the cache file itself

	mu      sync.Mutex    // guards failErr and failAt (reads may run concurrently)
	failErr syscall.Errno // errno of the last failed read, 0 if none
	failAt  time.Time     // when it failed (Config.Clock)
}

// openHandle opens a cache Reader for f and decides on passthrough.
//
// The kernel cannot have one inode open in passthrough mode and in
// ordinary (page cache) mode at once: a second open in the other mode
// fails. go-fuse registers the backing file on the first open that asks
// for passthrough and then uses it for every open of the inode until all
// are closed. So passthrough is asked for only when the content is
// complete and no ordinary handle of this inode is open; cachedOpens
// counts those. The same rule would make an open for writing (never
// passthrough: its writes go to a spool) fail while the inode is open in
// passthrough mode; openWrite moves the name to a new inode instead
// (WriterOpen, fs/assets/asset_gen.go).
//
// An ordinary handle stays counted until go-fuse's RELEASE of it has
// ended, not only until its Release: go-fuse drops a reference of the
// node's backing file at the end of every RELEASE, so no backing file may
// be registered before then (release_barrier.go says what happens
// otherwise). PassthroughFd checks the count again when go-fuse asks for
// the backing file, since an ordinary open may have come in between.
func (f *File) openHandle() *fileHandle {
	rd := f.m.Cfg.Content.Open(f.Source())
	a, _ := f.Snapshot()
	h := &fileHandle{f: f, rd: rd, id: a.ID}
	f.mu.Lock()
	f.readOpens++
	if !f.m.Cfg.NoPassthrough && f.cachedOpens == 0 && rd.Complete() {
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
func (h *fileHandle) PassthroughFd() (int, bool) {
	h.f.mu.Lock()
	want := h.passthrough
	h.f.mu.Unlock()
	if !want {
		return -1, false
	}
	f := h.rd.File()
	h.f.mu.Lock()
	if f == nil || h.f.cachedOpens > 0 { // an ordinary open after all: count it as one
		h.passthrough = false
		h.f.cachedOpens++
		h.f.mu.Unlock()
		return -1, false
	}
	h.f.passLive = true
	h.f.mu.Unlock()
	h.f.m.Log.WithFields(logrus.Fields{"op": "open", "id": h.id}).Debug("read by the kernel from the cache file (FUSE passthrough)")
	return int(f.Fd()), true
}

// WriterOpen counts a handle about to be opened for writing on f's inode
// (a replacement, package assets) among the ordinary opens until its
// RELEASE has ended (WriterReleased), so that no read open asks for
// passthrough meanwhile: the kernel refuses a passthrough open of an
// inode that has an ordinary open, and go-fuse would drop a reference of
// the backing file at the writer's RELEASE (release_barrier.go). close(2)
// returns before the kernel sends RELEASE, so a read right after a
// writer's close would otherwise fail with EIO.
//
// It counts nothing and returns false when the inode may be open in
// passthrough mode (a read handle got passthrough and read handles are
// still open: those opened after it share its mode); the writer must
// then use another inode. Checking and counting under one lock keeps a
// read open from registering a backing file in between.
func (f *File) WriterOpen() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.passLive && f.readOpens > 0 {
		return false
	}
	f.cachedOpens++
	return true
}

// WriterReleased ends what WriterOpen counted, once the RELEASEs in
// progress (the writer's own among them) have ended.
func (f *File) WriterReleased() {
	f.m.afterRelease(func() {
		f.mu.Lock()
		f.cachedOpens--
		f.mu.Unlock()
	})
}

// Read serves [off, off+len(dest)) from the cache file, fetching the
// missing ranges first (and read-ahead for sequential readers). The bytes
// go to the kernel straight from the cache file (splice), not via a copy.
//
// A handle whose read just failed (a stalled or broken download) fails
// again at once for failFastWindow, unless the bytes asked for are already
// present: the kernel re-issues a failed read-ahead as a one-page read,
// and making the user wait out a stall timeout twice helps nobody.
func (h *fileHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	rctx := ctx
	recent := h.recentFailure()
	if recent != 0 {
		// Serve what is present; do not wait for the network again.
		c, cancel := context.WithCancel(ctx)
		cancel()
		rctx = c
	}
	n, err := h.rd.Ensure(rctx, off, len(dest))
	if errors.Is(err, cache.ErrDiskFull) {
		var res fuse.ReadResult
		if res, err = ReadUncached(ctx, h.rd, dest, off); err == nil {
			h.f.LearnSize(h.rd.Size())
			return res, 0
		}
	}
	if err != nil && !errors.Is(err, io.EOF) && n <= 0 {
		if recent != 0 && ctx.Err() == nil {
			// The failure that set recent was logged at warning level.
			h.f.m.Log.WithFields(logrus.Fields{"op": "read", "id": h.id, "off": off, "len": len(dest), "errno": recent.Error()}).
				Debug("read of missing bytes fails at once: a read of this handle failed just before")
			return nil, recent
		}
		en := Fail(h.f.m.Log, logrus.Fields{"op": "read", "id": h.id, "off": off, "len": len(dest)}, err)
		if en != syscall.EINTR {
			h.failed(en)
		}
		return nil, en
	}
	if size := h.rd.Size(); size >= 0 {
		h.f.LearnSize(size)
	}
	if n <= 0 {
		return fuse.ReadResultData(nil), 0
	}
	file := h.rd.File()
	if file == nil { // cannot happen after a successful Ensure
		return nil, Fail(h.f.m.Log, logrus.Fields{"op": "read", "id": h.id, "off": off, "len": len(dest)}, errNoDataFile)
	}
	return fuse.ReadResultFd(file.Fd(), off, n), 0
}

// errNoDataFile fails a read whose bytes are present but whose cache
// data file is not open (Reader.File logs why).
var errNoDataFile = errors.New("the cache data file is not open after its bytes were fetched")

// ReadUncached reads dest at off straight from the server, for a Reader
// whose cache disk is full (cache/uncached.go).
func ReadUncached(ctx context.Context, rd *cache.Reader, dest []byte, off int64) (fuse.ReadResult, error) {
	n, err := rd.ReadUncached(ctx, dest, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return fuse.ReadResultData(dest[:n]), nil
}

// failFastWindow is how long after a failed read the same handle fails
// reads of missing bytes at once.
const failFastWindow = 10 * time.Second

// recentFailure returns the errno of a read of this handle that failed
// within failFastWindow, else 0.
func (h *fileHandle) recentFailure() syscall.Errno {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failErr != 0 && h.f.m.Cfg.Clock().Sub(h.failAt) < failFastWindow {
		return h.failErr
	}
	return 0
}

func (h *fileHandle) failed(en syscall.Errno) {
	h.mu.Lock()
	h.failErr, h.failAt = en, h.f.m.Cfg.Clock()
	h.mu.Unlock()
}

// Release closes the Reader (unpinning the content for eviction). The
// handle stops counting among the open ones only once go-fuse's RELEASE
// of it has ended (openHandle says why).
func (h *fileHandle) Release(ctx context.Context) syscall.Errno {
	f := h.f
	f.m.afterRelease(func() {
		f.mu.Lock()
		if !h.passthrough {
			f.cachedOpens--
		}
		if f.readOpens--; f.readOpens == 0 {
			f.passLive = false
		}
		f.mu.Unlock()
	})
	if err := h.rd.Close(); err != nil {
		h.f.m.Log.WithFields(logrus.Fields{"op": "release", "id": h.id}).WithError(err).Debug("closing cache reader")
	}
	if f.m.releaseHook != nil {
		f.m.releaseHook()
	}
	return 0
}
