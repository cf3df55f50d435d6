package node

import (
	"context"
	"sync"
	"time"

	"github.com/kreafs/kreafs/cache"
)

// DirTable is the name table a directory of listed objects (assets/,
// styles/) shows, and the directory's mtime: when its names last changed.
//
// Locking: build serialises installing tables, so that one listing
// generation is named once; it is held while a table is built, never
// while calling the API or a go-fuse Notify* function. mu guards tab and
// changed and is held only to read or swap them. Order: build, then mu;
// the directory's own mutex is never held with either.
type DirTable[T any] struct {
	Build sync.Mutex

	mu      sync.Mutex
	tab     *T        // the installed table; nil before the first listing
	Changed time.Time // the directory's mtime
}

// Current returns the installed table (nil before the first listing).
func (s *DirTable[T]) Current() *T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tab
}

// Set installs t; the mtime moves to now when t replaces a table and
// shows other names (changed).
func (s *DirTable[T]) Set(t *T, changed bool, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tab != nil && changed {
		s.Changed = now
	}
	s.tab = t
}

// Mtime is the directory's mtime.
func (s *DirTable[T]) Mtime() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Changed
}

// Install makes a new table current, one installer at a time (under
// Build): if the current one is to stay (keep: it is of the same or a
// newer generation), it is returned; else build makes the new one from
// it (nil before the first), which is installed (Set, at now()), and then
// settle runs with it, still under Build, so that what installs cause
// (saving a listing, telling the kernel) happens in their order.
func (s *DirTable[T]) Install(keep func(old *T) bool, build func(old *T) (t *T, changed bool), now func() time.Time, settle func(t *T)) *T {
	s.Build.Lock()
	defer s.Build.Unlock()
	return s.InstallLocked(keep, build, now, settle)
}

// InstallLocked is Install for a caller that holds Build (to change the
// listing and install its table in one step).
func (s *DirTable[T]) InstallLocked(keep func(old *T) bool, build func(old *T) (t *T, changed bool), now func() time.Time, settle func(t *T)) *T {
	old := s.Current()
	if old != nil && keep(old) {
		return old
	}
	t, changed := build(old)
	s.Set(t, changed, now())
	settle(t)
	return t
}

// FetchListing returns l's items and generation: listed now when force (after a
// change the caller must see), else the cached ones within the TTL.
func FetchListing[T any](ctx context.Context, l *cache.Listing[T], force bool) ([]T, uint64, error) {
	if force {
		return l.Refresh(ctx)
	}
	return l.Get(ctx)
}
