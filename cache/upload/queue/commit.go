package queue

// The group commit of closed files: a file closed (or renamed) under a
// final name, whose item has no durable record yet, gets its record
// written at once without an fsync (it survives a kill -9) and is made
// durable in the background: within CommitWindow the committer fsyncs the
// spool and the record of every file closed meanwhile, then spool/ and
// journal/ once for all of them. So a close or rename waits for no fsync,
// and a copy of many small files shares its directory fsyncs. An upload
// never waits for the committer: its intent makes the spool and the record
// durable itself (writeClosedRecord) if the commit has not.
//
// Locking: commitMu serialises commits; cmu guards pending and the timer
// and is a leaf. A commit takes each item's pmu in turn, never two.

import (
	"time"

	"github.com/sirupsen/logrus"
)

// CommitWindow is how long after its close (or rename to a final name) a
// file waits, at most, before the committer makes it durable.
const CommitWindow = 100 * time.Millisecond

// commitLater hands a closed item to the next commit.
func (q *Queue) commitLater(it *item) {
	q.cmu.Lock()
	defer q.cmu.Unlock()
	q.pending = append(q.pending, it)
	if q.ctimer == nil {
		q.ctimer = time.AfterFunc(CommitWindow, q.commitNow)
	}
}

// commitNow makes every item handed to commitLater durable: spool bytes
// and record each, then spool/ and journal/ once. Items that were removed,
// opened for writing again, renamed to a held name or journaled since are
// skipped.
func (q *Queue) commitNow() {
	q.commitMu.Lock()
	defer q.commitMu.Unlock()
	q.cmu.Lock()
	batch := q.pending
	q.pending = nil
	if q.ctimer != nil {
		q.ctimer.Stop()
		q.ctimer = nil
	}
	q.cmu.Unlock()
	type written struct {
		it  *item
		seq uint64
	}
	var done []written
	for _, it := range batch {
		it.pmu.Lock()
		q.mu.Lock()
		skip := it.removed || it.journaled || it.writers > 0 || it.rec.State != stPending || q.heldLocked(it)
		rec, seq := it.rec.Clone(), it.writeSeq
		q.mu.Unlock()
		if !skip {
			err := q.l.SyncSpoolBytes(rec.ID, rec.Gen)
			if err == nil {
				err = q.l.WriteRecordNoDirSync(rec)
			}
			if err != nil {
				q.log.WithFields(logrus.Fields{"op": "commit", "id": rec.ID, "name": rec.Name}).WithError(err).
					Error("cannot make the closed file durable; its upload will try again")
			} else {
				it.journaled = true // from now on only durable records replace it
				done = append(done, written{it, seq})
			}
		}
		it.pmu.Unlock()
	}
	if len(done) == 0 {
		return
	}
	serr := q.l.SyncSpoolDir()
	if err := q.l.SyncJournalDir(); err != nil {
		q.log.WithField("op", "commit").WithError(err).Error("cannot fsync the journal directory")
	}
	if serr != nil {
		q.log.WithField("op", "commit").WithError(serr).Error("cannot fsync the spool directory; uploads fsync it again")
		return
	}
	for _, w := range done {
		w.it.pmu.Lock()
		if w.it.writeSeq == w.seq {
			w.it.spoolSynced = true
		}
		w.it.pmu.Unlock()
	}
}
