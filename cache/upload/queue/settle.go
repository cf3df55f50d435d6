package queue

// Settling an item whose upload is done or that was cancelled: the owner
// is told (Observer.Uploaded), waiters answered, the assets it replaced (or the
// asset a cancelled upload made) deleted, then the item forgotten.
// Locking as in queue.go: no lock is held while talking to the API or
// calling the Observer.

import (
	"errors"
	"os"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

func (q *Queue) logFor(it *item, op string) *logrus.Entry {
	q.mu.Lock()
	f := logrus.Fields{"op": op, "id": it.rec.ID, "name": it.rec.Name}
	q.mu.Unlock()
	return q.log.WithFields(f)
}

// runUploaded tells the owner (Observer.Uploaded), answers waiters, deletes the
// replaced assets and forgets the item.
func (q *Queue) runUploaded(it *item) {
	q.mu.Lock()
	if it.removed || it.rec.State != stUploaded {
		q.mu.Unlock()
		return
	}
	notified := q.notifiedLocked(it)
	snap := q.snapshotLocked(it)
	q.mu.Unlock()
	if !notified {
		if q.obs.Uploaded != nil {
			q.obs.Uploaded(snap, snap.Asset)
		}
		q.mu.Lock()
		q.told[it] = struct{}{}
		q.notifyLocked(it, nil)
		q.mu.Unlock()
		q.log.WithFields(logrus.Fields{"op": "upload", "id": snap.ID, "name": snap.Name,
			"asset": snap.Asset.ID, "size": snap.Size}).Info("uploaded")
	}
	if q.deleteReplaced(it) {
		q.finish(it, nil)
	}
}

// runCanceled deletes what a cancelled item leaves on the server: the
// assets it replaced and any upload of it that may have arrived.
func (q *Queue) runCanceled(it *item) {
	q.mu.Lock()
	if it.removed || it.rec.State != stCanceled || it.inflight != nil {
		q.mu.Unlock()
		return
	}
	prev, checkAfter := it.rec.Intent, it.checkAfter
	q.mu.Unlock()
	if prev != nil {
		a, ok := q.checkInterrupted(it, prev, checkAfter)
		if !ok {
			return
		}
		it.pmu.Lock()
		q.mu.Lock()
		if a != nil {
			it.rec.Replaces = addID(it.rec.Replaces, a.ID)
		}
		it.rec.Intent = nil
		rec := it.rec.Clone()
		q.mu.Unlock()
		err := it.dur.Write(q.l, rec, true)
		it.pmu.Unlock()
		if err != nil {
			q.retryLater(it, err, false)
			return
		}
	}
	if q.deleteReplaced(it) {
		q.finish(it, nil)
	}
}

// deleteReplaced deletes the item's Replaces one by one. It returns false
// if it stopped (transient failure: a retry is scheduled; or shutdown).
func (q *Queue) deleteReplaced(it *item) bool {
	for {
		q.mu.Lock()
		if len(it.rec.Replaces) == 0 {
			q.mu.Unlock()
			return true
		}
		aid := it.rec.Replaces[0]
		q.mu.Unlock()
		log := q.logFor(it, "delete").WithField("asset", aid)
		if q.o.BeforeDelete != nil && q.o.BeforeDelete(q.ctx, aid) != nil {
			return false
		}
		err := q.o.Uploader.DeleteAsset(q.ctx, aid)
		if errors.Is(err, api.ErrNotFound) || errors.Is(err, api.ErrGone) {
			err = nil
		}
		switch classify(err, q.ctx.Err() != nil) {
		case outcomeOK:
			log.Debug("deleted replaced asset")
		case outcomeStop:
			return false
		case outcomeRetry:
			log.WithError(err).Warn("delete failed; will retry")
			q.retryLater(it, err, false)
			return false
		case outcomeFail:
			log.WithError(err).Error("delete refused by the API; the asset stays on the account")
		}
		q.mu.Lock()
		if len(it.rec.Replaces) > 0 && it.rec.Replaces[0] == aid {
			it.rec.Replaces = it.rec.Replaces[1:]
		}
		q.mu.Unlock()
	}
}

// finish forgets a done item: record first (unsynced: durability.go), then
// spool files (a spool without a record is removed at the next Open).
func (q *Queue) finish(it *item, err error) {
	if !q.lockLive(it) {
		return
	}
	defer it.pmu.Unlock()
	it.removed = true
	q.stopTimerLocked(it)
	id := it.rec.ID
	gens := append([]int{it.rec.Gen}, it.oldGens...)
	q.mu.Unlock()
	if rerr := q.l.RemoveRecordUnsynced(id); rerr != nil {
		q.log.WithFields(logrus.Fields{"op": "finish", "id": id}).WithError(rerr).Error("cannot remove journal record")
	}
	for _, g := range gens {
		os.Remove(q.l.SpoolPath(id, g))
	}
	q.mu.Lock()
	q.dropLocked(it)
	q.notifyLocked(it, err)
	q.mu.Unlock()
}
