package cache

// Locking: download fields are guarded by Store.mu. The goroutine running a
// download holds the lock only to read its bounds and to record progress;
// network reads and data-file writes happen without it.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/internal/readahead"
)

// download fetches [pos, end) of an object into its data file. Its lifetime
// is the store's, not any reader's: a reader that gives up (ctx cancelled)
// does not stop a download others may wait for. It ends when it reaches
// end, finds the rest present, fails, or the store closes.
type download struct {
	o     *object
	start int64 // first byte asked for
	pos   int64 // next byte to write: [start, pos) is written
	end   int64 // logical end (exclusive): lowered to hand over work, raised by sequential readers when open
	open  bool  // the request runs to the end of the object, so end may be raised
	done  bool
	err   error // why it failed (nil: reached its end or made it present)
	// netSince is when the current wait for the network (a Fetch, or one
	// body read) began; zero while the download writes, parks or backs off.
	netSince time.Time
}

// stuckLocked reports whether d has been waiting for the network for
// stuckAfter without a byte. Reads do not wait for a stuck download: one
// that needs its bytes (a new one, or one already waiting, which looks
// again every stuckAfter) starts a new request, since a server that
// stalled one connection often answers a new one at once, and a request
// made during a stall stays silent after the server recovered. d itself
// goes on until its own stall timeout. So while a server stalls, a range
// that readers wait for gets at most one new request per stuckAfter, and
// each read still fails after StallTimeout without a byte.
func (s *Store) stuckLocked(d *download, now time.Time) bool {
	return !d.netSince.IsZero() && now.Sub(d.netSince) >= s.stuckAfter()
}

// stuckInLocked reports whether a stuck download overlaps r.
func (s *Store) stuckInLocked(o *object, r span, now time.Time) bool {
	for _, d := range o.downloads {
		if d.pos < r.End && d.end > r.Start && s.stuckLocked(d, now) {
			return true
		}
	}
	return false
}

// stuckAfter is how long a download may go without a byte before reads
// stop waiting for it and ask for their bytes anew: a sixth of
// StallTimeout.
func (s *Store) stuckAfter() time.Duration { return s.opt.StallTimeout / 6 }

// parkIdle is how long an open-ended download that reached its logical end
// waits for a sequential reader to push the end further before it lets go
// of its request. It stops at once when no Reader has the object open.
const parkIdle = 10 * time.Second

// bufSize is the most one body read writes at once: small enough that
// readers see progress early, large enough for few syscalls.
const bufSize = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// writeError marks a failure of the local disk (not worth a retry).
type writeError struct{ err error }

func (e *writeError) Error() string { return "cache: write data file: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// run drives d: one Fetch per attempt, resuming at d.pos after a cut,
// retrying transient errors with exponential backoff (Retries times, and
// not beyond RetryWindow without progress; both restart whenever an
// attempt made progress), never retrying a stall.
func (s *Store) run(d *download) {
	defer s.wg.Done()
	o := d.o
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	log := s.log.WithFields(logrus.Fields{"op": "fetch", "key": o.key})
	backoff := s.opt.RetryBackoff
	attempts := 0
	lastProgress := time.Now()
	var err error
	for {
		s.mu.Lock()
		d.netSince = time.Time{}
		end := min(d.end, o.limitLocked())
		finished := d.pos >= end || o.present.Contains(span{Start: d.pos, End: end})
		url, pos, f := o.url, d.pos, o.f
		length := int64(-1)
		if !d.open {
			length = end - pos
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			err = ErrClosed
			break
		}
		if finished {
			err = nil
			break
		}
		var progress bool
		log.WithFields(logrus.Fields{"offset": pos, "length": length}).Debug("fetch")
		progress, err = s.attempt(d, url, pos, length, f, *buf)
		if err == nil || errors.Is(err, ErrStalled) || s.ctx.Err() != nil {
			break
		}
		if progress {
			attempts, backoff, lastProgress = 0, s.opt.RetryBackoff, time.Now()
		}
		// The Fetcher (api.Client) may retry a request itself for a long
		// time; RetryWindow keeps the total wait of a read bounded.
		if !retryable(err) || attempts >= s.opt.Retries || time.Since(lastProgress)+backoff > s.opt.RetryWindow {
			break
		}
		attempts++
		log.WithError(err).WithField("attempt", attempts).Debug("fetch failed, retrying")
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
		}
		backoff *= 2
	}
	if err != nil {
		if s.ctx.Err() != nil {
			err = ErrClosed
		} else {
			log.WithError(err).WithField("offset", d.pos).Warn("download failed")
		}
		err = fmt.Errorf("cache: fetch %s: %w", o.key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d.done, d.err = true, err
	for i, x := range o.downloads {
		if x == d {
			o.downloads = append(o.downloads[:i], o.downloads[i+1:]...)
			break
		}
	}
	s.releaseLocked(o)
	o.notifyLocked()
	if !o.doomed {
		s.evictLocked()
	}
}

// write writes p at off in f. When the disk is full it evicts unused
// objects (at least enough for p, and a few chunks) and tries once more.
func (s *Store) write(f *os.File, p []byte, off int64) error {
	_, err := s.writeAt(f, p, off)
	if err == nil || !errors.Is(err, syscall.ENOSPC) {
		return err
	}
	s.mu.Lock()
	freed := s.shedLocked(int64(len(p)) + 4*s.opt.ChunkSize)
	s.mu.Unlock()
	s.log.WithFields(logrus.Fields{"op": "fetch", "freed": freed}).Warn("disk full: evicted cached objects to make room")
	if freed == 0 {
		return err
	}
	_, err = s.writeAt(f, p, off)
	return err
}

func retryable(err error) bool {
	var we *writeError
	if errors.As(err, &we) {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || api.Temporary(err)
}

// attempt is one Fetch of [pos, pos+length) (length < 0: to the end) and the
// copy of its body into the data file until d's end. It reports whether any
// byte was written. A watchdog cancels it when no byte arrives for
// StallTimeout (then the error is ErrStalled).
func (s *Store) attempt(d *download, url string, pos, length int64, f *os.File, buf []byte) (progress bool, err error) {
	o := d.o
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	// The watchdog runs only while we wait for the network (the Fetch, each
	// body read), not while we write to disk or park.
	var stalled atomic.Bool
	watchdog := time.AfterFunc(s.opt.StallTimeout, func() {
		stalled.Store(true)
		cancel()
	})
	defer watchdog.Stop()
	stallErr := func(err error) error {
		if stalled.Load() {
			return fmt.Errorf("cache: no data for %v: %w", s.opt.StallTimeout, ErrStalled)
		}
		return err
	}

	s.mu.Lock()
	d.netSince = time.Now()
	s.mu.Unlock()
	sent := time.Now()
	dl, err := s.opt.Fetcher.Fetch(ctx, url, pos, length)
	watchdog.Stop()
	if err != nil {
		if errors.Is(err, api.ErrRangeNotSatisfiable) && !stalled.Load() {
			return false, s.probeSize(ctx, d, url, pos, err)
		}
		return false, stallErr(err)
	}
	defer dl.Body.Close()
	s.link.AddRTT(time.Since(sent)) // the read-ahead's lead
	meter := readahead.Meter{Link: &s.link}
	defer func() {
		if err == nil { // a failed body says nothing of the rate
			meter.End()
		}
	}()
	s.mu.Lock()
	if dl.Size >= 0 {
		s.setSizeLocked(o, dl.Size)
	}
	s.mu.Unlock()
	if dl.Offset > pos || dl.Offset < 0 {
		return false, fmt.Errorf("cache: server sent offset %d for a request at %d", dl.Offset, pos)
	}
	if skip := pos - dl.Offset; skip > 0 { // the server ignored the range
		watchdog.Reset(s.opt.StallTimeout)
		_, err := io.CopyN(io.Discard, dl.Body, skip)
		watchdog.Stop()
		if err != nil {
			return false, stallErr(err)
		}
	}
	bodyEnd := int64(-1) // where the body claims to end
	if dl.Length >= 0 {
		bodyEnd = dl.Offset + dl.Length
	}
	w := pos
	alloc := pos // the data file is allocated up to here (prealloc.go)
	var parked time.Time
	meter.Begin()
	for {
		s.mu.Lock()
		end := min(d.end, o.limitLocked())
		if w >= end && d.open && w < o.limitLocked() && o.pins > 0 && !s.closed {
			// Reached the logical end of an open-ended request while the
			// object is still read: park (without reading, so the server
			// is held back by flow control) until a sequential reader
			// raises the end, and go on with the same request.
			ch := o.changed
			d.netSince = time.Time{}
			s.mu.Unlock()
			meter.End() // parked time is not the network's
			if parked.IsZero() {
				parked = time.Now()
			} else if time.Since(parked) > parkIdle {
				return progress, nil
			}
			t := time.NewTimer(parkIdle)
			select {
			case <-ch:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
			continue
		}
		parked = time.Time{}
		meter.Begin()
		stop := w >= end || s.closed || o.present.Contains(span{Start: w, End: end})
		if !stop {
			d.netSince = time.Now()
		}
		s.mu.Unlock()
		if stop {
			return progress, nil
		}
		watchdog.Reset(s.opt.StallTimeout)
		n, rerr := dl.Body.Read(buf[:min(int64(len(buf)), end-w)])
		watchdog.Stop()
		if n > 0 {
			alloc = s.allocAhead(f, w, int64(n), end, alloc)
			if werr := s.write(f, buf[:n], w); werr != nil {
				return progress, &writeError{werr}
			}
			s.mu.Lock()
			s.addLocked(o, span{Start: w, End: w + int64(n)})
			d.pos = w + int64(n)
			s.mu.Unlock()
			w += int64(n)
			meter.Add(n)
			progress = true
		}
		switch {
		case rerr == io.EOF:
			s.mu.Lock()
			end := min(d.end, o.limitLocked())
			switch {
			case w >= end:
			case bodyEnd >= 0 && w < bodyEnd, o.sizeOK && w < o.size:
				rerr = io.ErrUnexpectedEOF // cut short
			default: // the object ends here
				s.setSizeLocked(o, w)
			}
			s.mu.Unlock()
			if rerr == io.EOF {
				return progress, nil
			}
			return progress, rerr
		case rerr != nil:
			return progress, stallErr(rerr)
		}
	}
}

// probeSize handles a 416 at pos: unless the size is already known from the
// server, the object is shorter than the size hint said, so ask for its
// first byte to learn the real size.
func (s *Store) probeSize(ctx context.Context, d *download, url string, pos int64, err416 error) error {
	s.mu.Lock()
	known := d.o.sizeOK
	s.mu.Unlock()
	if known {
		return err416
	}
	size := int64(0) // a 416 for the first byte too: the object is empty
	dl, err := s.opt.Fetcher.Fetch(ctx, url, 0, 1)
	switch {
	case err == nil:
		size = dl.Size
		dl.Body.Close()
	case !errors.Is(err, api.ErrRangeNotSatisfiable):
		return err
	}
	if size < 0 || size > pos {
		return err416
	}
	s.mu.Lock()
	s.setSizeLocked(d.o, size)
	s.mu.Unlock()
	return nil
}
