package cache

// Locking: Listing.mu guards every field below it in the struct. The fetch
// itself runs in its own goroutine without the lock; callers wait on the
// call's done channel (or their ctx) without holding it.

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// DefaultMinRefresh is how soon after a completed fetch Refresh fetches again.
const DefaultMinRefresh = time.Second

// DefaultStaleAfter is how long Get and Refresh wait for a fetch when an
// earlier listing exists, before serving that one (ListingConfig.StaleAfter).
const DefaultStaleAfter = 5 * time.Second

// ListingConfig configures a Listing.
type ListingConfig[T any] struct {
	TTL   time.Duration                          // how long a fetched listing is served without asking again
	Clock func() time.Time                       // injected; default time.Now
	Fetch func(ctx context.Context) ([]T, error) // the whole listing (all pages)
	Log   logrus.FieldLogger
	Name  string // for logs, e.g. "assets"

	// MinRefresh: Refresh does not fetch again within this long of the last
	// completed fetch (default DefaultMinRefresh), so a flood of lookups of
	// missing names costs one listing, not one each.
	MinRefresh time.Duration
	// RefreshAhead: Get starts a fetch in the background, and answers from
	// the held listing without waiting, once that is older than this (and
	// younger than TTL), so that a directory in steady use is re-listed
	// before its TTL runs out instead of making a caller wait for the
	// fetch at the TTL (0: off). Nothing is served older than TTL.
	RefreshAhead time.Duration
	// FetchTimeout bounds one fetch (0: no bound beyond the Fetch's own).
	// A fetch is shared by every waiting caller, so it does not run under
	// any caller's context; this is its only deadline.
	FetchTimeout time.Duration
	// StaleAfter bounds how long Get and Refresh wait for a fetch when an
	// earlier listing exists (default DefaultStaleAfter; negative: as long
	// as the fetch takes). Past it they return the earlier listing, as
	// after a failed fetch (one warning per outage), and the fetch goes on
	// for later callers: an API that accepts requests and then answers
	// nothing (a stall) does not block every ls and lookup for
	// FetchTimeout. Measured on the real clock, like FetchTimeout.
	StaleAfter time.Duration
}

// Listing caches the result of a whole-listing fetch with a TTL. Safe for
// concurrent use; concurrent callers that need a fetch share one.
type Listing[T any] struct {
	c   ListingConfig[T]
	log logrus.FieldLogger

	mu        sync.Mutex
	items     []T
	have      bool      // items holds a successful fetch
	gen       uint64    // bumped on every successful fetch and every Update
	fetchedAt time.Time // clock time the current items' fetch started
	fetchReal time.Time // real time the same fetch started (FetchedSince)
	lastDone  time.Time // clock time the last fetch (good or bad) completed
	lastErr   error     // error of the last fetch, nil after a success
	invalid   bool      // Invalidate was called: next Get fetches
	call      *listingCall[T]
	edits     []func([]T) []T // Updates made while call runs, replayed on its result
	warned    bool            // "serving stale" logged for the current outage
}

type listingCall[T any] struct {
	started time.Time // real time the fetch started (for StaleAfter)
	done    chan struct{}
	items   []T
	gen     uint64
	err     error
}

// NewListing returns an empty Listing; the first Get fetches.
func NewListing[T any](c ListingConfig[T]) *Listing[T] {
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.MinRefresh <= 0 {
		c.MinRefresh = DefaultMinRefresh
	}
	if c.StaleAfter == 0 {
		c.StaleAfter = DefaultStaleAfter
	}
	log := c.Log
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	return &Listing[T]{c: c, log: log.WithFields(logrus.Fields{"component": "listing", "listing": c.Name})}
}

// Get returns the cached listing if it is younger than TTL, else fetches.
// When a fetch fails and an earlier listing exists, Get returns that with a
// nil error (logging one warning per outage) and keeps serving it without
// asking again for TTL. The uint64 is the listing's generation.
func (l *Listing[T]) Get(ctx context.Context) ([]T, uint64, error) {
	l.mu.Lock()
	now := l.c.Clock()
	if age := now.Sub(l.fetchedAt); !l.invalid && l.have && age < l.c.TTL {
		defer l.mu.Unlock()
		if l.c.RefreshAhead > 0 && age >= l.c.RefreshAhead && l.call == nil && l.lastErr == nil {
			l.startLocked()
		}
		return l.items, l.gen, nil
	}
	if !l.invalid && l.have && l.lastErr != nil && now.Sub(l.lastDone) < l.c.TTL {
		// The last refresh failed recently: don't hammer a failing API.
		defer l.mu.Unlock()
		return l.items, l.gen, nil
	}
	return l.waitUnlock(ctx, l.startLocked())
}

// FetchedSince reports whether the listing holds the items of a fetch
// that began at or after t and was not invalidated since. t is real time
// (time.Now), not Clock time: it tells the fetch a caller waited for from
// an earlier one even when an injected clock stands still.
func (l *Listing[T]) FetchedSince(t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.have && !l.invalid && !l.fetchReal.Before(t)
}

// Refresh fetches now, unless a fetch completed within MinRefresh (then it
// returns what that fetch left) or one is running (then it shares it).
// Used for lookups of names missing from the last listing.
func (l *Listing[T]) Refresh(ctx context.Context) ([]T, uint64, error) {
	l.mu.Lock()
	if l.call == nil && !l.invalid && !l.lastDone.IsZero() && l.c.Clock().Sub(l.lastDone) < l.c.MinRefresh {
		defer l.mu.Unlock()
		if l.have {
			return l.items, l.gen, nil
		}
		return nil, 0, l.lastErr
	}
	return l.waitUnlock(ctx, l.startLocked())
}

// Update applies a local edit (an asset deleted or created through the
// mount) to the cached listing and bumps the generation. A fetch running
// at the time may predate the edit, so f is applied to its result too: f
// must be idempotent (delete id X; add X unless present); one that
// returns its input as it is changes nothing. It returns the
// edited items and their generation (ok false: no listing yet, nothing
// edited), so that the caller can index them knowing they are exactly the
// previous generation's with f applied.
func (l *Listing[T]) Update(f func([]T) []T) (items []T, gen uint64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.call != nil {
		l.edits = append(l.edits, f)
	}
	if l.have {
		edited := f(l.items)
		if !sameSlice(edited, l.items) { // an edit with nothing to do keeps the generation
			l.items = edited
			l.gen++
		}
	}
	return l.items, l.gen, l.have
}

// sameSlice reports whether a and b are the same items of the same array
// (an edit returning its input unchanged).
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// Invalidate makes the next Get (or Refresh) fetch, whatever the TTL. The
// current items stay available as the fallback if that fetch fails.
func (l *Listing[T]) Invalidate() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.invalid = true
}

// startLocked returns the running fetch or starts one.
func (l *Listing[T]) startLocked() *listingCall[T] {
	if l.call != nil {
		return l.call
	}
	c := &listingCall[T]{started: time.Now(), done: make(chan struct{})}
	l.call = c
	l.edits = nil
	l.invalid = false
	started := l.c.Clock()
	go l.fetch(c, started)
	return c
}

func (l *Listing[T]) fetch(c *listingCall[T], started time.Time) {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if l.c.FetchTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, l.c.FetchTimeout)
	}
	items, err := l.c.Fetch(ctx)
	cancel()

	l.mu.Lock()
	defer l.mu.Unlock()
	l.call = nil
	l.lastDone = l.c.Clock()
	l.lastErr = err
	if err != nil {
		if l.have {
			if !l.warned {
				l.warned = true
				l.log.WithError(err).Warn("listing refresh failed, serving the last known listing")
			} else {
				l.log.WithError(err).Debug("listing refresh failed again")
			}
			c.items, c.gen = l.items, l.gen
		} else {
			l.log.WithError(err).Warn("listing failed")
			c.err = err
		}
		close(c.done)
		return
	}
	for _, f := range l.edits {
		items = f(items)
	}
	l.edits = nil
	if l.warned {
		l.log.Info("listing refresh works again")
	}
	l.warned = false
	l.items, l.have, l.fetchedAt, l.fetchReal = items, true, started, c.started
	l.gen++
	c.items, c.gen = items, l.gen
	close(c.done)
}

// waitUnlock releases l.mu and waits for c or ctx, or, when an earlier
// listing exists, at most until c has run for StaleAfter.
func (l *Listing[T]) waitUnlock(ctx context.Context, c *listingCall[T]) ([]T, uint64, error) {
	var stale <-chan time.Time
	if l.have && l.c.StaleAfter > 0 {
		wait := l.c.StaleAfter - time.Since(c.started)
		if wait <= 0 {
			defer l.mu.Unlock()
			return l.staleLocked()
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		stale = t.C
	}
	l.mu.Unlock()
	select {
	case <-c.done:
		return c.items, c.gen, c.err
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	case <-stale:
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.staleLocked()
	}
}

// staleLocked returns the held listing while a fetch is too slow, warning
// once per outage (the fetch's own failure, if it fails, is then logged at
// debug level; its success logs that listings work again).
func (l *Listing[T]) staleLocked() ([]T, uint64, error) {
	if !l.warned {
		l.warned = true
		l.log.WithField("waited", l.c.StaleAfter).Warn("listing refresh is slow, serving the last known listing")
	}
	return l.items, l.gen, nil
}
