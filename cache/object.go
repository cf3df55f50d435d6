package cache

// Locking: every field of object, download and Reader is guarded by
// Store.mu (see store.go), except object.key and object.file, which never
// change. Reader.ensureLocked releases Store.mu only while it waits for an
// object's changed channel or its context. Reader.unc has its own lock
// (uncached.go).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// object is one cached piece of content and its data file.
type object struct {
	key       string
	file      string // data file, relative to Dir, slash-separated; never changes
	url       string
	size      int64 // -1: unknown; a hint from Source.Size until sizeOK
	sizeOK    bool  // size was reported by the server (or the content is local and whole)
	present   spans // bytes written to the data file
	pins      int   // open Readers
	downloads []*download
	f         *os.File      // open while pinned or downloading (nil otherwise)
	changed   chan struct{} // closed and replaced on every change (new bytes, size, end of a download)
	recent    []window      // ranges recently handed to readers (ring, newest last)
	waiting   []span        // ranges readers are blocked on
	doomed    bool          // taken out of the store (evicted, removed, replaced)
	dirty     bool          // present changed since the last persist: fsync before writing the index
}

// window is a range a reader was told is present, and when.
type window struct {
	span
	at time.Time
}

// Eviction of a pinned object's bytes spares what readers use now: the
// ranges they wait for, and the last recentWindows ranges Ensure handed out
// within protectFor (fs may still be reading them by fd). FUSE keeps far
// fewer reads of one file in flight than recentWindows.
const (
	recentWindows = 64
	protectFor    = 2 * time.Second
)

func (o *object) rememberLocked(r span, now time.Time) {
	if len(o.recent) >= recentWindows {
		copy(o.recent, o.recent[1:])
		o.recent = o.recent[:len(o.recent)-1]
	}
	o.recent = append(o.recent, window{r, now})
}

func (o *object) unwaitLocked(r span) {
	for i, w := range o.waiting {
		if w == r {
			o.waiting = append(o.waiting[:i], o.waiting[i+1:]...)
			return
		}
	}
}

// protectedLocked is the set of ranges partial eviction must not touch.
func (o *object) protectedLocked(now time.Time) spans {
	var p spans
	for _, w := range o.recent {
		if now.Sub(w.at) < protectFor {
			p, _ = p.add(w.span)
		}
	}
	for _, w := range o.waiting {
		p, _ = p.add(w)
	}
	return p
}

func newObject(key, file string, size int64) *object {
	if size < 0 {
		size = -1
	}
	return &object{key: key, file: file, size: size, changed: make(chan struct{})}
}

func (o *object) notifyLocked() {
	close(o.changed)
	o.changed = make(chan struct{})
}

func (o *object) busyLocked() bool { return o.pins > 0 || len(o.downloads) > 0 }

func (o *object) completeLocked() bool {
	return o.sizeOK && o.present.contains(span{0, o.size})
}

func (o *object) closeFileLocked() {
	if o.f != nil {
		o.f.Close()
		o.f = nil
	}
}

// releaseLocked closes o's data file once nobody uses it, and deletes the
// file if it holds nothing (a read that failed before any byte arrived).
func (s *Store) releaseLocked(o *object) {
	if o.busyLocked() || o.f == nil {
		return
	}
	o.closeFileLocked()
	if !o.doomed && len(o.present) == 0 && !(o.sizeOK && o.size == 0) {
		os.Remove(s.path(o))
	}
}

// limitLocked is the end of the object as far as we know (maxOffset when
// unknown).
func (o *object) limitLocked() int64 {
	if o.size >= 0 {
		return o.size
	}
	return maxOffset
}

// openFileLocked opens o's data file (creating it 0600), once. It checks the
// file against the ranges the index claims: bytes beyond the file's end are
// dropped (a data file truncated behind our back is never served).
func (s *Store) openFileLocked(o *object) (*os.File, error) {
	if o.f != nil {
		return o.f, nil
	}
	if o.doomed && o.present.total() > 0 {
		return nil, fmt.Errorf("cache: %s: data file is gone", o.key)
	}
	path := s.path(o)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if errors.Is(err, os.ErrNotExist) {
		if err = durable.MkdirPrivate(parentDir(path)); err == nil {
			f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cache: open data file of %s: %w", o.key, err)
	}
	st, err := f.Stat()
	if err == nil && st.Mode().Perm() != filePerm {
		err = f.Chmod(filePerm)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cache: open data file of %s: %w", o.key, err)
	}
	if n := len(o.present); n > 0 && o.present[n-1].End > st.Size() {
		s.log.WithFields(logrus.Fields{"op": "open", "key": o.key, "file_size": st.Size(), "claimed": o.present[n-1].End}).
			Warn("cache data file shorter than recorded, dropping the missing part")
		s.dropLocked(o, span{st.Size(), maxOffset})
	}
	o.f = f
	return f, nil
}

// addLocked records r as present (its bytes are already written).
func (s *Store) addLocked(o *object, r span) {
	var added int64
	o.present, added = o.present.add(r)
	if added == 0 {
		return
	}
	o.dirty = true
	if !o.doomed {
		s.usage += added
		s.dirty = true
		s.evictLocked()
	}
	o.notifyLocked()
}

// dropLocked forgets the bytes of r.
func (s *Store) dropLocked(o *object, r span) {
	var dropped int64
	o.present, dropped = o.present.remove(r)
	if dropped > 0 && !o.doomed {
		s.usage -= dropped
		s.dirty = true
	}
}

// setSizeLocked records the object's real size, as reported by the server.
func (s *Store) setSizeLocked(o *object, size int64) {
	if o.sizeOK && o.size == size {
		return
	}
	if o.size >= 0 && o.size != size {
		s.log.WithFields(logrus.Fields{"op": "fetch", "key": o.key, "expected": o.size, "size": size}).
			Debug("object size differs from the expected one; the server's wins")
	}
	o.size, o.sizeOK = size, true
	s.dropLocked(o, span{size, maxOffset})
	for _, d := range o.downloads {
		d.end = min(d.end, size)
	}
	s.dirty = true
	o.notifyLocked()
}

// Reader reads one object through the store. Its methods are safe for
// concurrent use (FUSE may send several reads of one handle at once).
type Reader struct {
	s      *Store
	o      *object
	closed bool      // guarded by Store.mu
	ra     readAhead // sequential stream (readahead.go); guarded by Store.mu
	full   bool      // met a full disk: reads are uncached (uncached.go); guarded by Store.mu
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
	s.dropLocked(o, span{st.Size(), maxOffset})
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
	ahead, open := r.ra.plan(off, end, s.opt.ReadAheadMin, s.opt.ReadAhead, s.opt.ChunkSize)
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
		need := span{off, min(end, o.limitLocked())}
		if need.End <= need.Start {
			return 0, f, nil
		}
		have := o.present.runFrom(off)
		if !counted { // stats.go: a hit when the first look finds every byte
			counted = true
			s.stats.read(have >= need.End)
		}
		if have >= need.End {
			scheduleAhead()
			win := need
			if r.ra.active() {
				win.End = max(win.End, min(r.ra.end, o.limitLocked()))
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
		sawStuck = sawStuck || s.stuckInLocked(o, span{have, need.End}, now)
		if now.Sub(waitFrom) >= s.opt.StallTimeout || (sawStuck && now.Sub(firstWait) >= s.opt.StallTimeout) {
			return 0, f, fmt.Errorf("cache: %s: no data for %v: %w", o.key, s.opt.StallTimeout, ErrStalled)
		}
		want := span{have, need.End}
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

// near is how far behind a wanted byte a running download may be for the
// reader to wait for it rather than start another one.
func (s *Store) near() int64 { return max(s.opt.ReadAhead, 2*s.opt.ChunkSize) }

// scheduleLocked makes sure every missing byte of want (widened to whole
// chunks, clipped at the end of the object) is covered by a download, by
// waiting for a running one that is close enough, extending an open-ended
// one, or starting new ones. It returns the downloads that cover want
// before needEnd (the bytes a reader waits for). open makes new downloads
// open-ended (to the end of the object, stopped at their logical end,
// which later reads can push further): one HTTP request then serves the
// rest of a sequential read; otherwise a new download asks for its range
// only.
func (s *Store) scheduleLocked(o *object, want span, needEnd int64, open bool) ([]*download, error) {
	c := s.opt.ChunkSize
	limit := o.limitLocked()
	want.End = min(want.End, limit)
	if want.End <= want.Start {
		return nil, nil
	}
	target := span{alignDown(want.Start, c), min(alignUp(want.End, c), limit)}
	gaps := o.present.missing(target)
	if len(gaps) == 0 {
		return nil, nil
	}
	if s.closed {
		return nil, ErrClosed
	}
	if s.opt.Fetcher == nil || o.url == "" {
		return nil, fmt.Errorf("cache: %s: %w", o.key, ErrNoFetcher)
	}
	near := s.near()
	now := time.Now()
	var deps []*download
	raised := false // an end was raised: wake parked downloads
	defer func() {
		if raised {
			o.notifyLocked()
		}
	}()
	dep := func(d *download, from int64) {
		if from < needEnd && d.end > want.Start {
			deps = append(deps, d)
		}
	}
	for _, g := range gaps {
		cur := g.Start
		for cur < g.End {
			if d := s.coveringLocked(o, cur, near, now); d != nil {
				if d.open && d.end < g.End {
					d.end = g.End
					raised = true
				}
				dep(d, cur)
				cur = d.end
				continue
			}
			if d := s.extendableLocked(o, cur, near, now); d != nil {
				d.end = g.End
				raised = true
				dep(d, cur)
				cur = d.end
				continue
			}
			nd := &download{o: o, start: cur, pos: cur, end: g.End, open: open}
			for _, d := range o.downloads {
				if s.stuckLocked(d, now) && d.pos <= cur && cur < d.end {
					s.log.WithFields(logrus.Fields{"op": "fetch", "key": o.key, "offset": cur,
						"silent": now.Sub(d.netSince).Round(time.Second)}).
						Info("a download has received nothing for a while; starting a new request for a new read")
				}
				if d.pos < cur && cur < d.end {
					// Too far behind to wait for: take over the rest of its range.
					nd.end = max(nd.end, d.end)
					nd.open = nd.open || d.open
					d.end = cur
				}
			}
			for _, d := range o.downloads {
				if d.pos > cur && d.pos < nd.end && !s.stuckLocked(d, now) {
					nd.end = d.pos // it covers from there
				}
			}
			o.downloads = append(o.downloads, nd)
			s.wg.Add(1)
			go s.run(nd)
			dep(nd, cur)
			cur = nd.end
		}
	}
	return deps, nil
}

// coveringLocked returns a running download that will write byte x soon:
// it is at most near bytes before x, has not stopped before x, and is not
// stuck (see stuckLocked).
func (s *Store) coveringLocked(o *object, x, near int64, now time.Time) *download {
	var best *download
	for _, d := range o.downloads {
		if d.pos <= x && x < d.end && x-d.pos <= near && !s.stuckLocked(d, now) && (best == nil || d.end > best.end) {
			best = d
		}
	}
	return best
}

// extendableLocked returns an open-ended download that stops before x but
// is close enough that pushing its end past x beats a new request (and is
// not stuck).
func (s *Store) extendableLocked(o *object, x, near int64, now time.Time) *download {
	for _, d := range o.downloads {
		if d.open && d.end <= x && d.pos <= x && x-d.pos <= near && !s.stuckLocked(d, now) {
			return d
		}
	}
	return nil
}
