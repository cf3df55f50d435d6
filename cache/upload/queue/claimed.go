package queue

import (
	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

// loadClaimed opens the claimed log (Open, after load) with the assets
// the journal's records hold, and adds what it remembers to q.claimed.
func (q *Queue) loadClaimed() error {
	var recs []record
	also := map[string]journal.Claim{}
	for id, it := range q.items {
		recs = append(recs, it.rec)
		if it.rec.Asset != nil {
			also[it.rec.Asset.ID] = journal.Claim{At: q.o.Clock.Now(), Item: id}
		}
	}
	cl, claims, err := journal.OpenClaimed(q.l.Dir, journal.ClaimedSince(recs, q.o.Clock.Now()), also, q.l.Fsync)
	if err != nil {
		return err
	}
	q.cl = cl
	for asset, c := range claims {
		q.claimed[asset] = c.Item
	}
	return nil
}
