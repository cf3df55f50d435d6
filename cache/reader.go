package cache

// Reader: reads of one object through the store, waiting for downloads
// of the missing bytes. Locking as in object.go: Store.mu guards every
// field; ensureLocked releases it only while it waits for the object's
// changed channel or its context.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kreafs/kreafs/cache/internal/readahead"
	"github.com/sirupsen/logrus"
)

// Reader reads one object through the store. Its methods are safe for
// concurrent use (FUSE may send several reads of one handle at once).
type Reader struct {
	s      *Store
	o      *object
	closed bool             // guarded by Store.mu
	ra     readahead.Stream // sequential stream; guarded by Store.mu
	full   bool             // met a full disk: reads are uncached (uncached.go); guarded by Store.mu
	unc    uncached
}

var errReaderClosed = errors.New("cache: reader closed")

// Size returns the object's size: the size the server reported, else the
// Source's hint, else -1.
func (r *Reader) Size() int64 {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.o.size
}

// Complete reports whether the whole object is present on disk.
func (r *Reader) Complete() bool {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.o.completeLocked()
}

// File returns the object's data file, which may be sparse: only ranges made
// present by Ensure (or Complete) may be read from it. It stays open until
// the Reader is closed. Nil if the file cannot be opened (Ensure reports
// the error).
func (r *Reader) File() *os.File {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if r.closed {
		return nil
	}
	f, err := r.s.openFileLocked(r.o)
	if err != nil {
		r.s.log.WithFields(logrus.Fields{"op": "open", "key": r.o.key}).WithError(err).Warn("cannot open cache data file")
		return nil
	}
	return f
}

// Close releases the Reader's pin. Idempotent.
func (r *Reader) Close() error {
	s, o := r.s, r.o
	s.mu.Lock()
	if r.closed {
		s.mu.Unlock()
		return nil
	}
	r.closed = true
	o.pins--
	o.notifyLocked() // parked downloads stop when nobody reads
	s.releaseLocked(o)
	if !o.doomed {
		s.evictLocked()
	}
	s.mu.Unlock()
	r.closeUncached() // without s.mu (lock order: uncached.go)
	return nil
}

// ReadAt reads len(p) bytes at off, fetching what is missing. It blocks only
// until those bytes are present, not until the whole object is. As with
// io.ReaderAt, it returns fewer bytes only at the end of the object (with
// io.EOF) or with an error. A cancelled ctx returns ctx.Err() at once; the
// download continues for other readers.
func (r *Reader) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	for attempt := 0; ; attempt++ {
		n, f, err := r.ensure(ctx, off, len(p))
		if errors.Is(err, ErrDiskFull) {
			return r.ReadUncached(ctx, p, off)
		}
		if err != nil {
			return 0, err
		}
		if n > 0 {
			m, rerr := f.ReadAt(p[:n], off)
			if m < n {
				if (rerr == nil || rerr == io.EOF) && attempt == 0 && r.checkFile(f) {
					continue // the data file was cut behind our back: fetch again
				}
				if rerr == nil || rerr == io.EOF {
					rerr = io.ErrUnexpectedEOF
				}
				return m, fmt.Errorf("cache: read data file of %s: %w", r.o.key, rerr)
			}
		}
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
}

// checkFile drops the bytes the index claims beyond the end of the open
// data file f (truncated by someone else); true if it dropped any.
func (r *Reader) checkFile(f *os.File) bool {
	st, err := f.Stat()
	if err != nil {
		return false
	}
	s, o := r.s, r.o
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(o.present)
	if n == 0 || o.present[n-1].End <= st.Size() {
		return false
	}
	s.log.WithFields(logrus.Fields{"op": "read", "key": o.key, "file_size": st.Size(), "claimed": o.present[n-1].End}).
		Warn("cache data file shorter than recorded, dropping the missing part")
	s.dropLocked(o, span{Start: st.Size(), End: maxOffset})
	return true
}

// Ensure makes [off, off+n) present in File (clipped at the end of the
// object) and returns how many bytes from off are present: n, or fewer only
// at the end of the object (0 at or past the end). It never returns io.EOF.
// Sequential callers also start read-ahead. When the disk has no room
// (uncached.go) it returns ErrDiskFull, from then on at once: read with
// ReadUncached.
func (r *Reader) Ensure(ctx context.Context, off int64, n int) (int, error) {
	k, _, err := r.ensure(ctx, off, n)
	return k, err
}

func (r *Reader) ensure(ctx context.Context, off int64, n int) (int, *os.File, error) {
	if off < 0 || n < 0 {
		return 0, nil, fmt.Errorf("cache: invalid range: offset %d, length %d", off, n)
	}
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.closed {
		return 0, nil, errReaderClosed
	}
	if r.full {
		return 0, nil, ErrDiskFull
	}
	k, f, err := r.ensureLocked(ctx, off, n)
	if err != nil {
		err = r.diskFullLocked(err)
	}
	return k, f, err
}

func (r *Reader) ensureLocked(ctx context.Context, off int64, n int) (int, *os.File, error) {
	s, o := r.s, r.o
	f, err := s.openFileLocked(o)
	if err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, f, nil
	}
	end := off + int64(n)
	lead := s.link.Lead(s.opt.ChunkSize, s.opt.ReadAhead/2)
	ahead, open := r.ra.Plan(off, end, s.opt.ReadAheadMin, s.opt.ReadAhead, s.opt.ChunkSize, lead)
	aheadDone := ahead.End <= ahead.Start
	scheduleAhead := func() {
		if !aheadDone && !s.closed {
			aheadDone = true
			// Best effort: an error here shows up in a later read.
			_, _ = s.scheduleLocked(o, ahead, ahead.End, open)
		}
	}
	var deps []*download
	// The read's own stall bound (it may replace stuck downloads, see
	// stuckLocked): StallTimeout without a new byte of its range, and
	// StallTimeout in all once it found a stuck download (a server that
	// sends a little on each new request and then stalls must not keep a
	// read waiting forever).
	var lastHave int64 = -1
	var waitFrom, firstWait time.Time
	sawStuck := false
	counted := false
	for {
		need := span{Start: off, End: min(end, o.limitLocked())}
		if need.End <= need.Start {
			return 0, f, nil
		}
		have := o.present.RunFrom(off)
		if !counted { // stats.go: a hit when the first look finds every byte
			counted = true
			s.stats.read(have >= need.End)
		}
		if have >= need.End {
			scheduleAhead()
			win := need
			if r.ra.Active() {
				win.End = max(win.End, min(r.ra.End(), o.limitLocked()))
			}
			o.rememberLocked(win, s.now())
			return int(need.End - off), f, nil
		}
		if s.closed {
			return 0, f, ErrClosed
		}
		for _, d := range deps {
			if d.done && d.err != nil {
				return 0, f, d.err
			}
		}
		if err := ctx.Err(); err != nil {
			return 0, f, err // given up already: start nothing
		}
		now := time.Now()
		if firstWait.IsZero() {
			firstWait = now
		}
		if have != lastHave {
			lastHave, waitFrom = have, now
		}
		sawStuck = sawStuck || s.stuckInLocked(o, span{Start: have, End: need.End}, now)
		if now.Sub(waitFrom) >= s.opt.StallTimeout || (sawStuck && now.Sub(firstWait) >= s.opt.StallTimeout) {
			return 0, f, fmt.Errorf("cache: %s: no data for %v: %w", o.key, s.opt.StallTimeout, ErrStalled)
		}
		want := span{Start: have, End: need.End}
		if !aheadDone && ahead.Start <= want.End {
			// The read and its read-ahead in one request.
			want.End = max(want.End, ahead.End)
			aheadDone = true
		}
		if deps, err = s.scheduleLocked(o, want, need.End, open); err != nil {
			return 0, f, err
		}
		scheduleAhead()
		ch := o.changed
		o.waiting = append(o.waiting, need) // its bytes must not be evicted as they arrive
		s.mu.Unlock()
		// Wake up to look again when a download may have become stuck, and
		// at the read's own stall bound.
		bound := s.opt.StallTimeout - now.Sub(waitFrom)
		if sawStuck {
			bound = min(bound, s.opt.StallTimeout-now.Sub(firstWait))
		}
		wake := time.NewTimer(min(s.stuckAfter(), bound))
		var cancelled bool
		select {
		case <-ch:
		case <-wake.C:
		case <-ctx.Done():
			cancelled = true
		}
		wake.Stop()
		s.mu.Lock()
		o.unwaitLocked(need)
		if cancelled {
			return 0, f, ctx.Err()
		}
	}
}
