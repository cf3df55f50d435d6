package arrived

// Listings taken after a moment, shared by everyone who needs one.

import (
	"context"
	"sync"

	"github.com/kreafs/kreafs/api"
)

// Lister shares listing calls between uploads that need a listing taken
// after some moment (the end of their ambiguous attempt): a listing that
// started after that moment answers for all of them, so a burst of failed
// uploads costs one listing, not one each. Moments are marks (a count of
// listings started), not clock times: two events at the same clock
// reading must still be ordered.
type Lister struct {
	fetch func(context.Context) ([]api.Asset, error)

	mu      sync.Mutex
	started uint64    // listings started so far
	cur     *listCall // in flight, or nil
	last    *listCall // latest successful
}

type listCall struct {
	n      uint64 // its number: it started after Mark() returned n-1 or less
	done   chan struct{}
	assets []api.Asset
	err    error
}

// NewLister returns a Lister that lists with fetch (the account's
// assets: Uploader.AllAssets).
func NewLister(fetch func(context.Context) ([]api.Asset, error)) *Lister {
	return &Lister{fetch: fetch}
}

// Mark returns a moment: listings started after it have a greater number.
func (l *Lister) Mark() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started
}

// Since returns a listing that started after mark was taken.
func (l *Lister) Since(ctx context.Context, mark uint64) ([]api.Asset, error) {
	for {
		l.mu.Lock()
		if l.last != nil && l.last.n > mark {
			a := l.last.assets
			l.mu.Unlock()
			return a, nil
		}
		c := l.cur
		if c == nil {
			l.started++
			c = &listCall{n: l.started, done: make(chan struct{})}
			l.cur = c
			l.mu.Unlock()
			c.assets, c.err = l.fetch(ctx)
			l.mu.Lock()
			if c.err == nil {
				l.last = c
			}
			l.cur = nil
			close(c.done)
			l.mu.Unlock()
			return c.assets, c.err
		}
		fresh := c.n > mark
		l.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if fresh {
			return c.assets, c.err
		}
		// It started too early for us; loop and start (or join) a newer one.
	}
}
