package cache

// Learning an object's size without its content: a listing that gives no
// size for many assets (Krea's size_bytes is optional) needs each one's
// size before `ls -l` can show it, and nothing else of them. Reading the
// first byte through a Reader would fetch a whole first chunk (128 KiB),
// create a data file and write it, for each object: about 12 MB and 1,255
// file creations for the seeded account of 10,000 assets, most of what a
// cold `ls -l` of it cost. LearnSize asks for the first byte and keeps only
// the size the server reports. Locking as in object.go (Store.mu), not
// held during the request.
//
// Known sizes outlive the bytes and the mount: Store.sizes keeps the size
// of each key that has no object (a size learned so, or the size of an
// object evicted), and the index persists these and those of objects with
// no bytes (index.go, "sizes"), so a new mount's `ls -l` asks nothing it
// asked before. Content never changes under a key, so a known size never
// goes stale; what is bounded is their number: Store.sizes is an LRU of
// at most maxKnownSizes keys, touched by Has and LearnSize, so the sizes
// of assets deleted elsewhere (never listed again) are the first dropped.
// Remove (an asset deleted through the mount) drops its size at once.

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/internal/index"
)

// maxKnownSizes bounds the sizes kept without an object, in memory and in
// the index (about 60 bytes each there: 4 MB at the bound).
const maxKnownSizes = 1 << 16

// ErrSizeUnknown is matched (errors.Is) by the error of LearnSize when the
// server answered without saying the object's size (a whole-object answer
// without Content-Length): reading the content is then the only way.
var ErrSizeUnknown = errors.New("cache: the server did not report the size")

// LearnSize returns src's size: the one the server reported before, else
// the size in the Content-Range (or Content-Length) of a request for the
// first byte, which it then records for Has and Reader.Size as a download
// would, and in the index. No content is stored and no data file is made.
// Concurrent calls for one key each make their request; the caller shares
// them.
func (s *Store) LearnSize(ctx context.Context, src Source) (int64, error) {
	s.mu.Lock()
	if n, ok := s.knownSizeLocked(src.Key); ok {
		s.mu.Unlock()
		return n, nil
	}
	closed, fetcher := s.closed, s.opt.Fetcher
	s.mu.Unlock()
	switch {
	case closed:
		return -1, ErrClosed
	case fetcher == nil || src.URL == "":
		return -1, fmt.Errorf("cache: %s: %w", src.Key, ErrNoFetcher)
	}
	size := int64(0) // a 416 for the first byte: the object is empty
	dl, err := fetcher.Fetch(ctx, src.URL, 0, 1)
	switch {
	case err == nil:
		size = dl.Size
		// Read to the end of the answer (one byte), so that its
		// connection goes back to the pool for the next request.
		_, err = io.Copy(io.Discard, dl.Body)
		dl.Body.Close()
		if err != nil && size < 0 {
			return -1, fmt.Errorf("cache: size of %s: %w", src.Key, err)
		}
	case !errors.Is(err, api.ErrRangeNotSatisfiable):
		return -1, fmt.Errorf("cache: size of %s: %w", src.Key, err)
	}
	if size < 0 {
		return -1, fmt.Errorf("cache: %s: %w", src.Key, ErrSizeUnknown)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return size, nil
	}
	if o, ok := s.lru.Get(src.Key); ok {
		o.url = src.URL
		s.setSizeLocked(o, size)
		return size, nil
	}
	s.sizes.Add(src.Key, size)
	s.dirty = true
	return size, nil
}

// knownSizeLocked returns the size the server reported for key: its
// object's, else the one kept without an object (which counts as used).
func (s *Store) knownSizeLocked(key string) (int64, bool) {
	if o, ok := s.lru.Peek(key); ok {
		return o.size, o.sizeOK
	}
	return s.sizes.Get(key)
}

// keepSizeLocked keeps o's size, if the server reported it, for when o
// leaves the store (evicted, replaced): a later `ls -l` needs no probe.
func (s *Store) keepSizeLocked(o *object) {
	if o.sizeOK {
		s.sizes.Add(o.key, o.size)
		s.dirty = true
	}
}

// knownSizesLocked lists the sizes to persist, least recently used first,
// at most maxKnownSizes: those kept without an object, then those of
// objects with no bytes (which the index does not list as objects). A
// key in both is its object's.
func (s *Store) knownSizesLocked() []index.Size {
	var out []index.Size
	for _, k := range s.sizes.Keys() {
		if n, ok := s.sizes.Peek(k); ok && !s.lru.Contains(k) {
			out = append(out, index.Size{Key: k, Size: n})
		}
	}
	for _, o := range s.lru.Values() {
		if o.sizeOK && !o.indexed() {
			out = append(out, index.Size{Key: o.key, Size: o.size})
		}
	}
	return out[max(0, len(out)-maxKnownSizes):]
}

// loadSizes adds the index's known sizes to s.sizes, dropping (and
// counting) those that do not check out: an empty key, a size out of
// range, a key listed before or held by an object.
func (s *Store) loadSizes(sizes []index.Size) (bad int) {
	for _, e := range sizes {
		if !e.Valid() || s.lru.Contains(e.Key) || s.sizes.Contains(e.Key) {
			bad++
			continue
		}
		s.sizes.Add(e.Key, e.Size)
	}
	return bad
}
