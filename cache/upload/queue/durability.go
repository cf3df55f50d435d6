package queue

// Which journal writes are fsynced, and when: the rule for each record is
// in internal/journal's durability.go, the mechanics (journal.Durability,
// journal.Committer) too; here the queue applies them to its items.

import (
	"time"

	"github.com/sirupsen/logrus"
)

// CommitWindow is how long after its close (or rename to a final name) a
// file waits, at most, before the group commit makes it durable.
const CommitWindow = 100 * time.Millisecond

// closedFinal journals rec of an item just closed or renamed under a final
// name: durably now if it has a durable record, else unsynced now and
// durably in the next group commit, which runs at once for a finished
// save (it.early) when a worker is free. The caller holds it.pmu.
func (q *Queue) closedFinal(it *item, rec record) error {
	if it.dur.Journaled {
		if err := it.dur.WriteClosed(q.l, rec); err != nil {
			return err
		}
		q.startEarly(it)
		return nil
	}
	if err := it.dur.Write(q.l, rec, false); err != nil {
		return err
	}
	q.com.Add(func() func(bool) { return q.commit(it) })
	q.mu.Lock()
	hurry := it.early && q.freeWorkersLocked() > 0
	q.mu.Unlock()
	if hurry {
		// A finished save whose upload waits only for this commit, and a
		// worker with nothing to do: the window would only keep it waiting.
		// While every worker is busy, saves share the window's commit.
		q.com.Hurry()
	}
	return nil
}

// startEarly hands an item marked early (Rename: a finished save) to the
// workers now that it is durable, unless it changed meanwhile (written,
// renamed to a held name, removed, or its upload began). An item not
// started so keeps its schedule at last close + Delay.
func (q *Queue) startEarly(it *item) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !it.early {
		return
	}
	it.early = false
	if it.rec.State == stPending && it.writers == 0 && !it.running && !q.heldLocked(it) {
		q.enqueueLocked(it)
	}
}

// commit is it's part of a group commit (journal.Commit).
func (q *Queue) commit(it *item) func(bool) {
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	skip := it.removed || it.dur.Journaled || it.writers > 0 || it.rec.State != stPending || q.heldLocked(it)
	rec := it.rec.Clone()
	q.mu.Unlock()
	if skip {
		if it.dur.Journaled {
			q.startEarly(it) // made durable meanwhile (an fsync)
		}
		return nil
	}
	mark, err := it.dur.CommitWrite(q.l, rec)
	if err != nil {
		q.log.WithFields(logrus.Fields{"op": "commit", "id": rec.ID, "name": rec.Name}).WithError(err).
			Error("cannot make the closed file durable; its upload will try again")
		return nil
	}
	return func(ok bool) {
		it.pmu.Lock()
		it.dur.Committed(mark, ok)
		it.pmu.Unlock()
		if ok {
			q.startEarly(it)
		}
	}
}

// makeDurable is fsync(2) of a file that is open or held
// (journal.Durability.Sync).
func (q *Queue) makeDurable(it *item) error {
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	rec, closed, removed := it.rec.Clone(), it.writers == 0, it.removed
	q.mu.Unlock()
	if removed {
		return nil
	}
	return it.dur.Sync(q.l, rec, closed)
}
