package queue

// Changes to a queued item after it was written: rename, cancel (rm),
// retry, and the background deletes of uploaded assets.

import (
	"errors"
	"fmt"
	"os"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

// Rename re-targets a queued item to newName and adds replaces (asset ids
// the new name overwrites) to the assets deleted after its upload. If it
// is being uploaded under the old name, that upload is superseded: when it
// ends, the item is uploaded again under newName and the asset just made
// is deleted. A rename does not move the upload time, except that a
// closed Held item renamed to a name that is not held is due as soon as
// it is durable (the group commit, within CommitWindow; startEarly), not
// Delay after its last close: a temp file renamed to its final name is
// how rsync, editors and downloaders end a save, so waiting for another
// close (the reason for Delay) would only make a bulk copy's uploads lag
// behind it. The schedule at close + Delay stays as the fallback.
func (q *Queue) Rename(id, newName string, replaces ...string) error {
	it, err := q.get(id)
	if err != nil {
		return err
	}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if it.removed || it.rec.State == stUploaded || it.rec.State == stCanceled {
		q.mu.Unlock()
		return ErrUnknownItem
	}
	old := it.rec.Name
	wasHeld := q.heldLocked(it)
	if newName != old {
		q.abortStreamLocked(it, "renamed")
	}
	q.renameLocked(it, newName)
	for _, r := range replaces {
		it.rec.Replaces = addID(it.rec.Replaces, r)
	}
	// Closed under a final name: from now on the file must survive a power
	// cut (durability.go).
	closedFinal := it.rec.State == stPending && it.writers == 0 && !q.heldLocked(it)
	if it.rec.State == stPending && it.writers == 0 && !it.running {
		if q.heldLocked(it) {
			q.stopTimerLocked(it)
			q.notifyLocked(it, nil) // kept local: durable, not uploaded
		} else {
			if it.timer == nil && !it.queued {
				q.scheduleAfterCloseLocked(it)
			}
			it.early = wasHeld // a finished save (above)
		}
	}
	rec := it.rec.Clone()
	q.mu.Unlock()
	q.log.WithFields(logrus.Fields{"op": "rename", "id": id, "name": newName, "from": old}).Debug("re-targeted")
	if closedFinal {
		return q.closedFinal(it, rec)
	}
	return it.dur.Write(q.l, rec, false)
}

// Cancel drops a queued item (rm of a file that is not uploaded): its
// spool is deleted, waiters get ErrCanceled, and the assets it replaces
// are deleted in the background (they were shown under its name), as is
// the asset of an upload of it that was running or may have reached the
// server. Unknown ids are not an error. Items already Uploaded are assets
// now: delete those with DeleteAssets.
func (q *Queue) Cancel(id string) error {
	it, err := q.get(id)
	if err != nil {
		if errors.Is(err, ErrUnknownItem) {
			return nil
		}
		return err
	}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if it.removed || it.rec.State == stCanceled {
		q.mu.Unlock()
		return nil
	}
	if it.rec.State == stUploaded {
		q.mu.Unlock()
		return ErrUnknownItem
	}
	q.abortStreamLocked(it, "removed")
	q.stopTimerLocked(it)
	it.rec.State = stCanceled
	q.notifyLocked(it, ErrCanceled)
	var drop []int
	for _, g := range append(it.oldGens, it.rec.Gen) {
		if it.inflight != nil && it.inflight.Gen == g {
			it.oldGens = append(it.oldGens[:0:0], g)
		} else {
			drop = append(drop, g)
		}
	}
	cleanup := len(it.rec.Replaces) > 0 || it.inflight != nil || it.rec.Intent != nil
	if !cleanup {
		it.removed = true
		q.dropLocked(it)
	}
	rec := it.rec.Clone()
	q.mu.Unlock()
	q.log.WithFields(logrus.Fields{"op": "cancel", "id": id, "name": rec.Name}).Info("queued upload canceled")
	if cleanup {
		err = it.dur.Write(q.l, rec, true)
	} else {
		// Durably, also for a record never fsynced: the kernel may have
		// written it out, and brought back it could be uploaded.
		err = q.l.RemoveRecord(id)
	}
	for _, g := range drop {
		os.Remove(q.l.SpoolPath(id, g))
	}
	if cleanup {
		q.mu.Lock()
		q.enqueueLocked(it)
		q.mu.Unlock()
	}
	return err
}

// Retry puts a Failed item back in the queue, due now.
func (q *Queue) Retry(id string) error {
	it, err := q.get(id)
	if err != nil {
		return err
	}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if it.rec.State != stFailed || it.removed {
		q.mu.Unlock()
		return nil
	}
	it.rec.State, it.rec.Attempts = stPending, 0
	rec := it.rec.Clone()
	q.mu.Unlock()
	if err := it.dur.WriteClosed(q.l, rec); err != nil {
		return err
	}
	q.mu.Lock()
	q.enqueueLocked(it)
	q.mu.Unlock()
	return nil
}

// DeleteAssets durably deletes uploaded assets in the background (rm of
// an uploaded file): the ids are journaled first, retried on transient
// failures and across restarts; 404 counts as done. name is for logs and
// Items. It returns an item id that Wait accepts.
func (q *Queue) DeleteAssets(name string, ids ...string) (string, error) {
	now := q.o.Clock.Now()
	rec := record{ID: journal.NewID(), Name: name, State: stCanceled, Delete: true,
		Replaces: append([]string(nil), ids...), Created: now, Modified: now}
	it := &item{rec: rec}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return "", ErrClosed
	}
	q.addLocked(it) // not queued before it is journaled
	q.mu.Unlock()
	if err := it.dur.Write(q.l, rec.Clone(), true); err != nil {
		q.mu.Lock()
		q.dropLocked(it)
		it.removed = true
		q.mu.Unlock()
		return "", fmt.Errorf("upload queue: delete %q: %w", name, err)
	}
	q.mu.Lock()
	q.enqueueLocked(it)
	q.mu.Unlock()
	q.log.WithFields(logrus.Fields{"op": "delete", "id": rec.ID, "name": name, "assets": len(ids)}).Debug("delete queued")
	return rec.ID, nil
}
