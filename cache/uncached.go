package cache

// Reads past a full disk. When the cache disk stays full after evicting
// everything unused (ENOSPC), Ensure returns ErrDiskFull and the caller
// reads with ReadUncached: straight from the URL, through one HTTP response
// kept open while the reads are sequential, nothing written to disk. A
// Reader that met a full disk stays uncached until it is closed (a new Open
// tries the disk again), so that a file larger than the free space is read
// whole without a download started, and refused, per read.
//
// Locking: uncached.mu serializes a Reader's uncached reads (one response
// body, read in order) and guards its fields. Store.mu may be taken while
// holding it, never the other way round.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

// ErrDiskFull is Ensure's answer when the cache disk has no room for the
// bytes asked for: read them with ReadUncached. It matches syscall.ENOSPC.
var ErrDiskFull = fmt.Errorf("cache: disk full: %w", syscall.ENOSPC)

// uncached is a Reader's open response for uncached reads.
type uncached struct {
	mu     sync.Mutex
	body   io.ReadCloser // nil: none open
	pos    int64         // offset of body's next byte
	size   int64         // the object's size as the server reported it, if sized
	sized  bool
	cancel context.CancelFunc // ends body's request
	moved  chan struct{}      // closed and replaced when a read ends (pos moved); nil until then
}

// FUSE hands a file's reads (read-ahead included) to concurrent goroutines,
// so sequential reads may reach ReadUncached a little out of order. A read
// just ahead of the open response waits up to reorderWait for the reads
// before it, rather than dropping the response and starting another.
const (
	reorderWindow = 8 << 20
	reorderWait   = 200 * time.Millisecond
)

// waitTurnLocked waits (releasing u.mu) while a read at off is just ahead
// of the open response, until the reads before it moved pos there, or
// reorderWait passed, or ctx ended.
func (u *uncached) waitTurnLocked(ctx context.Context, off int64) {
	ahead := func() bool { return u.body != nil && off > u.pos && off-u.pos <= reorderWindow }
	if !ahead() {
		return
	}
	t := time.NewTimer(reorderWait)
	defer t.Stop()
	for ahead() {
		if u.moved == nil {
			u.moved = make(chan struct{})
		}
		ch := u.moved
		u.mu.Unlock()
		var late bool
		select {
		case <-ch:
		case <-t.C:
			late = true
		case <-ctx.Done():
			late = true
		}
		u.mu.Lock()
		if late {
			return
		}
	}
}

// movedLocked wakes reads waiting for their turn.
func (u *uncached) movedLocked() {
	if u.moved != nil {
		close(u.moved)
		u.moved = nil
	}
}

func (u *uncached) closeLocked() {
	if u.body != nil {
		u.body.Close()
		u.cancel()
		u.body, u.cancel = nil, nil
	}
}

// serverSize is the object's size if the server reported it.
func (r *Reader) serverSize() (int64, bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.o.size, r.o.sizeOK
}

// closeUncached ends the Reader's uncached response, if any.
func (r *Reader) closeUncached() {
	r.unc.mu.Lock()
	r.unc.closeLocked()
	r.unc.mu.Unlock()
}

// diskFullLocked turns a full-disk error of r's into ErrDiskFull, and
// makes r uncached for the rest of its life (logged once).
func (r *Reader) diskFullLocked(err error) error {
	if !errors.Is(err, syscall.ENOSPC) {
		return err
	}
	if !r.full {
		r.full = true
		r.s.log.WithFields(logrus.Fields{"op": "read", "key": r.o.key}).WithError(err).
			Warn("cache disk full even after evicting: reading this file straight from the server, uncached")
	}
	return ErrDiskFull
}

// ReadUncached reads len(p) bytes at off straight from the object's URL,
// without the disk. Like ReadAt it returns fewer bytes only at the end of
// the object (with io.EOF) or with an error. A cut connection is resumed
// (Options.Retries times); a response silent for StallTimeout fails with
// ErrStalled; a cancelled ctx returns ctx.Err() (the response is dropped).
func (r *Reader) ReadUncached(ctx context.Context, p []byte, off int64) (int, error) {
	s := r.s
	s.mu.Lock()
	url, closed := r.o.url, r.closed
	s.mu.Unlock()
	if closed {
		return 0, errReaderClosed
	}
	if s.opt.Fetcher == nil || url == "" {
		return 0, fmt.Errorf("cache: %s: %w", r.o.key, ErrNoFetcher)
	}
	u := &r.unc
	u.mu.Lock()
	defer u.mu.Unlock()
	u.waitTurnLocked(ctx, off)
	defer u.movedLocked()
	n, fails := 0, 0
	for n < len(p) {
		pos := off + int64(n)
		if size, ok := r.serverSize(); ok && pos >= size {
			return n, io.EOF
		}
		var err error
		if u.body == nil || u.pos != pos {
			u.closeLocked()
			err = r.openUncachedLocked(ctx, url, pos)
		}
		if err == nil {
			var k int
			k, err = u.readLocked(ctx, p[n:], s.opt.StallTimeout)
			n += k
			if k > 0 {
				fails = 0
			}
		}
		size, sized := r.serverSize()
		switch at := off + int64(n); {
		case err == nil:
		case errors.Is(err, io.EOF) && (!sized || at >= size):
			u.closeLocked()
			return n, io.EOF
		case ctx.Err() != nil:
			u.closeLocked()
			return n, ctx.Err()
		default:
			u.closeLocked()
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // cut before the end the server announced
			}
			if fails++; fails > s.opt.Retries || !retryable(err) {
				return n, fmt.Errorf("cache: fetch %s (uncached): %w", r.o.key, err)
			}
		}
	}
	return n, nil
}

// openUncachedLocked starts a request for the object from pos to its end.
func (r *Reader) openUncachedLocked(ctx context.Context, url string, pos int64) error {
	u := &r.unc
	rctx, cancel := context.WithCancel(r.s.ctx)
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	var stalled atomic.Bool
	watchdog := time.AfterFunc(r.s.opt.StallTimeout, func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	r.s.log.WithFields(logrus.Fields{"op": "fetch", "key": r.o.key, "offset": pos}).Debug("fetch (uncached)")
	dl, err := r.s.opt.Fetcher.Fetch(rctx, url, pos, -1)
	if err != nil {
		cancel()
		if errors.Is(err, api.ErrRangeNotSatisfiable) {
			return io.EOF // at or past the end
		}
		if stalled.Load() {
			err = fmt.Errorf("cache: no data for %v: %w", r.s.opt.StallTimeout, ErrStalled)
		}
		return err
	}
	if dl.Offset > pos || dl.Offset < 0 {
		dl.Body.Close()
		cancel()
		return fmt.Errorf("cache: server sent offset %d for a request at %d", dl.Offset, pos)
	}
	u.body, u.pos, u.cancel = dl.Body, dl.Offset, cancel
	r.s.mu.Lock()
	closed := r.closed
	if dl.Size >= 0 && !closed {
		r.s.setSizeLocked(r.o, dl.Size)
	}
	r.s.mu.Unlock()
	if closed { // Close ran meanwhile and did not see this body
		u.closeLocked()
		return errReaderClosed
	}
	if skip := pos - dl.Offset; skip > 0 { // the server ignored the range
		k, err := io.CopyN(io.Discard, dl.Body, skip)
		u.pos += k
		return err
	}
	return nil
}

// readLocked fills p from the open body. ctx's end, and a silence of
// stall, end the request.
func (u *uncached) readLocked(ctx context.Context, p []byte, stall time.Duration) (int, error) {
	var stalled atomic.Bool
	cancel := u.cancel
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	watchdog := time.AfterFunc(stall, func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	n := 0
	for n < len(p) {
		watchdog.Reset(stall)
		k, err := u.body.Read(p[n:])
		n += k
		u.pos += int64(k)
		if err != nil {
			if !errors.Is(err, io.EOF) && stalled.Load() {
				err = fmt.Errorf("cache: no data for %v: %w", stall, ErrStalled)
			}
			return n, err
		}
	}
	return n, nil
}
