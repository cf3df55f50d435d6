package cache

// Locking: every field of object, download and Reader is guarded by
// Store.mu (see store.go), except object.key and object.file, which never
// change. Reader.ensureLocked releases Store.mu only while it waits for an
// object's changed channel or its context. Reader.unc has its own lock
// (uncached.go).

import (
	"errors"
	"fmt"
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
			p, _ = p.Add(w.span)
		}
	}
	for _, w := range o.waiting {
		p, _ = p.Add(w)
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
	return o.sizeOK && o.present.Contains(span{Start: 0, End: o.size})
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
	if o.doomed && o.present.Total() > 0 {
		return nil, fmt.Errorf("cache: %s: data file is gone", o.key)
	}
	path := s.path(o)
	f, err := durable.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if errors.Is(err, os.ErrNotExist) {
		if err = durable.MkdirPrivate(parentDir(path)); err == nil {
			f, err = durable.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
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
		s.dropLocked(o, span{Start: st.Size(), End: maxOffset})
	}
	o.f = f
	return f, nil
}

// addLocked records r as present (its bytes are already written).
func (s *Store) addLocked(o *object, r span) {
	var added int64
	o.present, added = o.present.Add(r)
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
	o.present, dropped = o.present.Remove(r)
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
	s.dropLocked(o, span{Start: size, End: maxOffset})
	for _, d := range o.downloads {
		d.end = min(d.end, size)
	}
	s.dirty = true
	o.notifyLocked()
}
