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

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kreafs/kreafs/api"
)

// ErrSizeUnknown is matched (errors.Is) by the error of LearnSize when the
// server answered without saying the object's size (a whole-object answer
// without Content-Length): reading the content is then the only way.
var ErrSizeUnknown = errors.New("cache: the server did not report the size")

// LearnSize returns src's size: the one the server reported before, else
// the size in the Content-Range (or Content-Length) of a request for the
// first byte, which it then records for Has and Reader.Size as a download
// would. No content is stored and no data file is made. Concurrent calls
// for one key each make their request; the caller shares them.
func (s *Store) LearnSize(ctx context.Context, src Source) (int64, error) {
	s.mu.Lock()
	if o, ok := s.lru.Peek(src.Key); ok && o.sizeOK {
		s.mu.Unlock()
		return o.size, nil
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
	o, ok := s.lru.Get(src.Key)
	if !ok {
		o = newObject(src.Key, s.fileNameLocked(src.Key), -1)
		s.lru.Add(src.Key, o)
	}
	o.url = src.URL
	s.setSizeLocked(o, size)
	return size, nil
}
