package cache

// Keep: fetching the rest of an object whose server copy is about to go
// (an asset replaced by a new version, or deleted, while programs have it
// open), and waiting for that before the server copy is deleted. Readers
// of a file deleted elsewhere may still fail past what is cached.
// Locking: Store.mu guards Store.keeping.

import (
	"context"
	"errors"
	"io"

	"github.com/sirupsen/logrus"
)

// keepChunk is how much one step of a keep asks for.
const keepChunk = 1 << 20

// Keep starts fetching, in the background, whatever of key's object is not
// yet on disk, if Readers have it open: so that they can read all of it
// after the server's copy is deleted. It reports whether such a fetch runs
// for key (BeforeDelete waits for it). Remove starts one too.
func (s *Store) Keep(key string) bool { return s.keepKey(key) != nil }

// keepKey is Keep, returning the running fetch's done channel (nil: none).
func (s *Store) keepKey(key string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.lru.Peek(key); ok {
		s.keepLocked(o)
	}
	return s.keeping[key]
}

// BeforeDelete is called before the server's copy of key is deleted: it
// is Keep, then waits until no fetch of Keep runs for key, or ctx ends
// (with its error).
func (s *Store) BeforeDelete(ctx context.Context, key string) error {
	done := s.keepKey(key)
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// keepLocked starts a keep of o if Readers have it open and it is not
// complete, unless one runs. It also works on an object Remove took out
// of the store: downloads go on into its (unlinked) open data file.
func (s *Store) keepLocked(o *object) {
	if s.closed || o.pins == 0 || o.completeLocked() || s.keeping[o.key] != nil {
		return
	}
	if s.keeping == nil {
		s.keeping = map[string]chan struct{}{}
	}
	done := make(chan struct{})
	s.keeping[o.key] = done
	o.pins++
	s.wg.Add(1)
	go s.keep(&Reader{s: s, o: o}, done)
}

// keep fetches rd's object whole, then closes done.
func (s *Store) keep(rd *Reader, done chan struct{}) {
	defer s.wg.Done()
	key := rd.o.key
	defer func() {
		rd.Close()
		s.mu.Lock()
		delete(s.keeping, key)
		s.mu.Unlock()
		close(done)
	}()
	for off := int64(0); ; {
		n, err := rd.Ensure(s.ctx, off, keepChunk)
		if err != nil || n <= 0 {
			if err != nil && !errors.Is(err, io.EOF) && s.ctx.Err() == nil {
				s.log.WithFields(logrus.Fields{"op": "keep", "key": key}).WithError(err).
					Warn("could not fetch the rest of a file that programs have open before its server copy goes; they may fail to read its end")
			}
			return
		}
		off += int64(n)
	}
}
