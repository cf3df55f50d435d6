package queue

import (
	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

// loadClaimed opens the claimed log (Open, after load) and adds what it
// remembers to q.claimed.
func (q *Queue) loadClaimed() error {
	var recs []record
	for _, it := range q.items {
		recs = append(recs, it.rec)
	}
	cl, ids, err := journal.OpenClaimed(q.l.Dir, journal.ClaimedSince(recs, q.o.Clock.Now()), q.l.Fsync)
	if err != nil {
		return err
	}
	q.cl = cl
	for id := range ids {
		q.claimed[id] = true
	}
	return nil
}
