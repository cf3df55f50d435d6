package queue

// Finding out whether an interrupted upload reached the server: a listing
// taken after the attempt (lister), matched by package dedupe, and for an
// asset that carries no name, its bytes compared with the spool.
//
// Locking: lister.mu guards cur and last. It is a leaf lock: nothing else
// is taken while holding it, and fetch (the network call) runs without it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/dedupe"
)

// findUploaded looks for the asset that the attempt in created, in a
// listing taken after checkAfter (dedupe.Match). A match that carries no
// name is only a size and a time: when the Uploader can read hosted bytes
// (contentFetcher, as api.Client does), its bytes are compared with the
// attempt's spool, and one that differs (or whose spool is gone) is not
// taken; the next candidate is tried.
func (q *Queue) findUploaded(it *item, in *intent, checkAfter uint64) (*api.Asset, error) {
	assets, err := q.lst.since(q.ctx, checkAfter)
	if err != nil {
		return nil, err
	}
	fetcher, _ := q.o.Uploader.(contentFetcher)
	q.mu.Lock()
	exclude := make(map[string]bool, len(q.claimed)+len(it.rec.Replaces))
	for id := range q.claimed {
		exclude[id] = true
	}
	for _, id := range it.rec.Replaces {
		exclude[id] = true
	}
	spool := q.l.SpoolPath(it.rec.ID, in.Gen)
	q.mu.Unlock()
	for {
		a, named := dedupe.Match(assets, dedupe.Attempt{Name: in.Name, Size: in.Size, Started: in.Started}, exclude, q.o.Skew)
		if a == nil {
			return nil, nil
		}
		if !named && fetcher != nil {
			same, err := sameContent(q.ctx, fetcher, a.ImageURL, spool)
			if err != nil {
				return nil, err
			}
			if !same {
				q.log.WithFields(logrus.Fields{"op": "upload", "id": it.rec.ID, "asset": a.ID}).
					Debug("an asset of the same size and time holds other bytes: not this upload")
				exclude[a.ID] = true
				continue
			}
		}
		q.mu.Lock()
		taken := q.claimed[a.ID] // claimed by another item meanwhile
		if !taken {
			q.claimed[a.ID] = true
		}
		q.mu.Unlock()
		if taken {
			exclude[a.ID] = true
			continue
		}
		return a, nil
	}
}

// contentFetcher is an Uploader that can also read hosted bytes
// (api.Client.Fetch).
type contentFetcher interface {
	Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error)
}

var _ contentFetcher = (*api.Client)(nil)

// sameContent reports whether the bytes at url are those of the file at
// spool. A spool that is gone, or a URL the server refuses for good (the
// asset went away), gives false; a transient failure is returned.
func sameContent(ctx context.Context, f contentFetcher, url, spool string) (bool, error) {
	local, err := os.Open(spool)
	if err != nil {
		return false, nil
	}
	defer local.Close()
	d, err := f.Fetch(ctx, url, 0, -1)
	if err != nil {
		if api.Temporary(err) || ctx.Err() != nil {
			return false, err
		}
		return false, nil
	}
	defer d.Body.Close()
	a, b := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		n, errA := io.ReadFull(local, a)
		m, errB := io.ReadFull(d.Body, b[:max(n, 1)])
		if n != m || !bytes.Equal(a[:n], b[:m]) {
			if errB != nil && !errors.Is(errB, io.EOF) && !errors.Is(errB, io.ErrUnexpectedEOF) {
				return false, errB // a download cut short: ask again later
			}
			return false, nil
		}
		if errA != nil { // the spool ended (EOF) where the download did too
			if !errors.Is(errA, io.EOF) && !errors.Is(errA, io.ErrUnexpectedEOF) {
				return false, errA
			}
			extra, _ := d.Body.Read(b[:1])
			return extra == 0, nil
		}
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

// checkInterrupted runs the exactly-once check of an earlier attempt prev
// of it (findUploaded): the asset it made, or nil if it made none. Not
// ok: the check failed, and a retry is scheduled.
func (q *Queue) checkInterrupted(it *item, prev *intent, checkAfter uint64) (*api.Asset, bool) {
	a, err := q.findUploaded(it, prev, checkAfter)
	if err != nil {
		q.retryLater(it, fmt.Errorf("checking whether an interrupted upload arrived: %w", err), false)
		return nil, false
	}
	return a, true
}
