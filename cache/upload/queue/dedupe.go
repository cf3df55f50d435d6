package queue

// Finding out whether an interrupted upload reached the server.
//
// Locking: lister.mu guards cur and last. It is a leaf lock: nothing else
// is taken while holding it, and fetch (the network call) runs without it.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

// matchUpload returns the asset that an interrupted attempt in created,
// or nil. Krea may not echo the description, so an asset's name is
// evidence only where the answer carries one:
//
//   - its description is the attempt's name, or its hosted URL carries
//     the attempt's file name (HostedName): named, ours if the rest fits;
//   - it carries another name (a description or a hosted file name that
//     differ): not ours;
//   - it carries none: ours only if its size_bytes is known and equal.
//
// The rest that must fit: its size is the attempt's size (or the API did
// not say, for a named asset), it was uploaded no earlier than skew
// before the attempt started, and it is not in exclude (assets already
// accounted for: uploaded or matched by this queue, or replaced by the
// item). A named asset beats an unnamed one; among equals, the earliest
// at or after the start wins. named says which kind the match is.
func matchUpload(assets []api.Asset, in *intent, exclude map[string]bool, skew time.Duration) (match *api.Asset, named bool) {
	notBefore := in.Started.Add(-skew)
	var best *api.Asset
	bestNamed := false
	for i := range assets {
		a := &assets[i]
		if exclude[a.ID] || a.UploadedAt.Before(notBefore) {
			continue
		}
		named, possible := nameEvidence(a, in.Name)
		if !possible {
			continue
		}
		s := a.Size()
		if s >= 0 && s != in.Size || s < 0 && !named {
			continue
		}
		if best == nil || named && !bestNamed || named == bestNamed && closer(a.UploadedAt, best.UploadedAt, in.Started) {
			best, bestNamed = a, named
		}
	}
	if best == nil {
		return nil, false
	}
	c := *best
	return &c, bestNamed
}

// nameEvidence says what asset a's answer tells about whether it was
// uploaded under name: named when its description is name or its hosted
// URL carries name's file name; not possible when it carries another
// name; possible but not named when it carries none.
func nameEvidence(a *api.Asset, name string) (named, possible bool) {
	if a.Description == name {
		return true, true
	}
	if h := HostedName(a.ImageURL); h != "" {
		return h == name || h == sentName(name), h == name || h == sentName(name)
	}
	return false, a.Description == ""
}

// sentName is the file name the API client sends for name: its last
// path element (the client cuts at a slash or a backslash).
func sentName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// HostedName is the original file name in a hosted URL of the shape
// Krea's examples show, ".../<uuid>/<unix ms>-<name>" (the name
// path-escaped; query and fragment ignored), unescaped; "" for any other
// shape. The name is as the server has it: callers check it is usable.
func HostedName(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	i := strings.LastIndexByte(u, '/')
	if i < 0 {
		return ""
	}
	dir, last := u[:i], u[i+1:]
	if !isUUID(dir[strings.LastIndexByte(dir, '/')+1:]) {
		return ""
	}
	dash := strings.IndexByte(last, '-')
	if dash < 1 || dash > 16 {
		return ""
	}
	for j := 0; j < dash; j++ {
		if last[j] < '0' || last[j] > '9' {
			return ""
		}
	}
	name, err := url.PathUnescape(last[dash+1:])
	if err != nil {
		return ""
	}
	return name
}

// isUUID reports the 8-4-4-4-12 hex digit form (any case).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// findUploaded looks for the asset that the attempt in created, in a
// listing taken after checkAfter (matchUpload). A match that carries no
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
	spool := q.l.spoolPath(it.rec.ID, in.Gen)
	q.mu.Unlock()
	for {
		a, named := matchUpload(assets, in, exclude, q.o.Skew)
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
