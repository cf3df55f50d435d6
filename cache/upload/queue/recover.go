package queue

// Loading the journal at Open: items come back as they were, repaired
// where a crash left them half done (doc.go, "Durability").

import (
	"fmt"
	"os"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

// load turns the journal into items, repairing what a crash left behind.
func (q *Queue) load() error {
	recs, bad, err := q.l.LoadRecords()
	if err != nil {
		return fmt.Errorf("upload queue: read journal: %w", err)
	}
	for id, why := range bad {
		q.log.WithFields(logrus.Fields{"op": "load", "id": id}).Errorf("damaged journal record set aside (its spool file is kept): %s", why)
	}
	gens, err := q.l.SpoolGens()
	if err != nil {
		return fmt.Errorf("upload queue: read spool: %w", err)
	}
	known := map[string]bool{}
	for _, r := range recs {
		known[r.ID] = true
		it := &item{rec: r, dur: journal.Durability{Journaled: true}} // checkAfter 0: any listing from now on will do
		log := q.log.WithFields(logrus.Fields{"op": "load", "id": r.ID, "name": r.Name})
		have := false
		for _, g := range gens[r.ID] {
			if g == r.Gen {
				have = true
			} else {
				os.Remove(q.l.SpoolPath(r.ID, g)) // never handed out, or superseded
			}
		}
		size := int64(-1)
		if fi, err := os.Stat(q.l.SpoolPath(r.ID, r.Gen)); err == nil {
			size = fi.Size()
		}
		changed := true
		switch {
		case r.State == stWriting && size <= 0 && r.Intent == nil && len(r.Replaces) == 0:
			log.Info("dropping empty file that was still open when kreafs stopped")
			q.l.RemoveRecord(r.ID)
			os.Remove(q.l.SpoolPath(r.ID, r.Gen))
			continue
		case r.State == stWriting:
			log.Warn("file was open for writing when kreafs stopped; kept as failed, not uploaded")
			it.rec.State, it.rec.Size = stFailed, max(size, 0)
			setFailure(&it.rec, ErrInterrupted)
		case r.State == stPending && !have:
			log.Error("spool file of a pending upload is missing; marked failed")
			it.rec.State = stFailed
			setFailure(&it.rec, ErrSpoolLost)
		case r.State == stFailed && accountRefusal(r.ErrCode):
			log.WithField("status", r.ErrCode).Info("retrying upload refused for an account reason")
			it.rec.State, it.rec.Attempts = stPending, 0
		default:
			changed = false
		}
		if changed {
			if err := q.l.WriteRecord(it.rec.Clone()); err != nil {
				return fmt.Errorf("upload queue: %w", err)
			}
		}
		q.addLocked(it)
	}
	for id, gs := range gens {
		if known[id] {
			continue
		}
		if bad[id] != "" || q.l.SetAside(id) {
			continue
		}
		for _, g := range gs { // the record went first: the item was finished
			os.Remove(q.l.SpoolPath(id, g))
		}
	}
	n := 0
	for _, it := range q.items {
		if it.rec.State == stPending {
			n++
		}
	}
	if n > 0 {
		q.log.WithField("op", "load").Infof("resuming %d pending upload(s)", n)
	}
	return nil
}

// accountRefusal: failures that depend on the account, not the file, are
// retried at the next Open (the user may have fixed the token or credits).
func accountRefusal(status int) bool {
	return status == 401 || status == 402 || status == 403
}
