package queue

// Finding out whether an interrupted upload reached the server: a listing
// taken after the attempt (arrived.Lister), matched by package dedupe,
// and for an asset that carries no name, its bytes compared with the
// spool (arrived.SameContent).

import (
	"fmt"
	"slices"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/dedupe"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/arrived"
)

// findUploaded looks for the asset that the attempt in created, in a
// listing taken after checkAfter. An asset the queue claimed for this
// item (a crash came between the claim and the record: journal's
// claimed.go) and not since superseded is it. Else dedupe.Match, among
// the assets not claimed: a match that carries no name is only a size
// and a time: when the Uploader can read hosted bytes (arrived.Fetcher,
// as api.Client does), its bytes are compared with the attempt's spool,
// and one that differs (or whose spool is gone) is not taken; the next
// candidate is tried.
func (q *Queue) findUploaded(it *item, in *intent, checkAfter uint64) (*api.Asset, error) {
	assets, err := q.lst.Since(q.ctx, checkAfter)
	if err != nil {
		return nil, err
	}
	fetcher, _ := q.o.Uploader.(arrived.Fetcher)
	q.mu.Lock()
	exclude := make(map[string]bool, len(q.claimed)+len(it.rec.Replaces))
	for id := range q.claimed {
		exclude[id] = true
	}
	for _, id := range it.rec.Replaces {
		exclude[id] = true
	}
	for _, a := range assets {
		if q.claimed[a.ID] == it.rec.ID && !slices.Contains(it.rec.Replaces, a.ID) {
			q.mu.Unlock()
			return &a, nil
		}
	}
	spool := q.l.SpoolPath(it.rec.ID, in.Gen)
	q.mu.Unlock()
	for {
		a, named := dedupe.Match(assets, dedupe.Attempt{Name: in.Name, Size: in.Size, Started: in.Started}, exclude, q.o.Skew)
		if a == nil {
			return nil, nil
		}
		if !named && fetcher != nil {
			same, err := arrived.SameContent(q.ctx, fetcher, a.ImageURL, spool)
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
		_, taken := q.claimed[a.ID] // claimed by another item meanwhile
		if !taken {
			q.claimed[a.ID] = it.rec.ID
		}
		q.mu.Unlock()
		if taken {
			exclude[a.ID] = true
			continue
		}
		return a, nil
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
