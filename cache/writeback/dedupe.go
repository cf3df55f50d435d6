package writeback

// Finding out whether an interrupted upload reached the server.
//
// Locking: lister.mu guards cur and last. It is a leaf lock: nothing else
// is taken while holding it, and fetch (the network call) runs without it.

import (
	"context"
	"sync"
	"time"

	"github.com/kreafs/kreafs/api"
)

// matchUpload returns the asset that an interrupted attempt in created,
// or nil. An asset matches when its description is the attempt's name,
// its size is the attempt's size (or the API did not say), it was
// uploaded no earlier than skew before the attempt started, and it is not
// in exclude (assets already accounted for: uploaded or matched by this
// queue, or replaced by the item). Among several, the earliest at or
// after the start wins.
func matchUpload(assets []api.Asset, in *intent, exclude map[string]bool, skew time.Duration) *api.Asset {
	notBefore := in.Started.Add(-skew)
	var best *api.Asset
	for i := range assets {
		a := &assets[i]
		if a.Description != in.Name || exclude[a.ID] || a.UploadedAt.Before(notBefore) {
			continue
		}
		if s := a.Size(); s >= 0 && s != in.Size {
			continue
		}
		if best == nil || closer(a.UploadedAt, best.UploadedAt, in.Started) {
			best = a
		}
	}
	if best == nil {
		return nil
	}
	c := *best
	return &c
}

// closer reports whether a is a better guess than b for an upload that
// started at t: anything at/after t beats anything before it; among those
// at/after t the earlier wins; among those before t the later wins.
func closer(a, b, t time.Time) bool {
	aa, ba := !a.Before(t), !b.Before(t)
	switch {
	case aa != ba:
		return aa
	case aa:
		return a.Before(b)
	default:
		return a.After(b)
	}
}

// lister shares AllAssets calls between items that need a listing taken
// after some moment (the end of their ambiguous attempt): a listing that
// started after that moment answers for all of them, so a burst of failed
// uploads costs one listing, not one each. Moments are marks (a count of
// listings started), not clock times: two events at the same clock
// reading must still be ordered.
type lister struct {
	fetch func(context.Context) ([]api.Asset, error)

	mu      sync.Mutex
	started uint64    // listings started so far
	cur     *listCall // in flight, or nil
	last    *listCall // latest successful
}

type listCall struct {
	n      uint64 // its number: it started after mark() returned n-1 or less
	done   chan struct{}
	assets []api.Asset
	err    error
}

// mark returns a moment: listings started after it have a greater number.
func (l *lister) mark() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started
}

// since returns a listing that started after mark was taken.
func (l *lister) since(ctx context.Context, mark uint64) ([]api.Asset, error) {
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
