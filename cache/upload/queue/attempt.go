package queue

// The journal around an attempt: its intent, durable before the POST, and
// its outcome (an asset made, or a permanent refusal), durable before
// anyone is told.

import (
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

// beginAttempt makes in the item's attempt and starts journaling (and
// fsyncing) its intent, which runs beside the start of the POST: the
// exactly-once check relies on the intent being durable before the
// request's body ends (spoolBody) or a speculative stream is committed
// (send). It hands over the item's stream, which this attempt commits or
// gives up. Not ok: the item changed while its file was opened (the
// change rescheduled it, or this marks it to run again).
func (q *Queue) beginAttempt(it *item, in *intent) (s *Stream, attempt int, w *intentWrite, ok bool) {
	gen, name := in.Gen, in.Name
	it.pmu.Lock()
	q.mu.Lock()
	if q.closed || it.rec.State != stPending || it.rec.Gen != gen || it.rec.Name != name || it.writers > 0 {
		// Changed while we looked: the change (re)scheduled it, or will.
		it.rec.Intent = nil // prev, if any, is known not to have landed
		q.mu.Unlock()
		it.pmu.Unlock()
		q.mu.Lock()
		if it.rec.State == stPending && it.writers == 0 && it.timer == nil && !q.heldLocked(it) {
			it.rerun = true
		}
		q.mu.Unlock()
		return nil, 0, nil, false
	}
	it.rec.Intent, it.inflight = in, in
	s = it.stream // this attempt commits it, or gives it up
	it.stream = nil
	attempt = it.rec.Attempts + 1
	rec := it.rec.Clone()
	q.mu.Unlock()
	w = &intentWrite{done: make(chan struct{})}
	go func() {
		w.err = it.dur.WriteClosed(q.l, rec)
		it.pmu.Unlock() // before done: whoever waited may journal the outcome
		close(w.done)
	}()
	return s, attempt, w, true
}

// intentWrite is the journal write of an attempt's intent.
type intentWrite struct {
	done chan struct{}
	err  error
}

// wait returns once the intent is durable (nil), or why it is not.
func (w *intentWrite) wait() error {
	<-w.done
	return w.err
}

// intentFailed gives up an attempt whose intent could not be journaled:
// its request's body never ended, so it created nothing. A retry is
// scheduled.
func (q *Queue) intentFailed(it *item, err error, log logrus.FieldLogger) {
	q.mu.Lock()
	it.rec.Intent = nil
	q.mu.Unlock()
	log.WithError(err).Error("cannot journal upload intent; not uploading")
	q.retryLater(it, err, false)
}

// landed records that the attempt in created asset a. If the item
// changed meanwhile (new content, new name, cancelled) a is superseded: it
// joins Replaces and the item goes on; else the item is Uploaded.
func (q *Queue) landed(it *item, in *intent, a *api.Asset) {
	q.mu.Lock()
	id := it.rec.ID
	q.mu.Unlock()
	if err := q.cl.Add(a.ID, journal.Claim{At: q.o.Clock.Now(), Item: id}); err != nil {
		q.log.WithFields(logrus.Fields{"op": "upload", "asset": a.ID}).WithError(err).Warn("cannot record the asset as this queue's")
	}
	if q.o.afterClaim != nil {
		q.o.afterClaim()
	}
	it.pmu.Lock()
	q.mu.Lock()
	q.claimed[a.ID] = id
	it.rec.Intent = nil
	done := false
	switch {
	case it.rec.State == stCanceled:
		it.rec.Replaces = addID(it.rec.Replaces, a.ID)
		it.rerun = true // runCanceled deletes it
	case it.rec.Gen != in.Gen || it.rec.Name != in.Name || it.rec.State != stPending:
		it.rec.Replaces = addID(it.rec.Replaces, a.ID)
		it.rec.Attempts = 0
		if it.rec.State == stPending && it.writers == 0 && it.timer == nil {
			it.rerun = true
		}
	default:
		it.rec.State, it.rec.Asset = stUploaded, a
		it.rec.Attempts, it.rec.Err, it.rec.ErrCode = 0, "", 0
		done = true
	}
	rec := it.rec.Clone()
	q.mu.Unlock()
	err := it.dur.Write(q.l, rec, true)
	it.pmu.Unlock()
	log := q.log.WithFields(logrus.Fields{"op": "upload", "id": rec.ID, "name": in.Name, "asset": a.ID})
	if err != nil {
		// On a crash now the old record (with the intent) is found and the
		// exactly-once check finds a.
		log.WithError(err).Error("cannot journal finished upload")
	}
	if !done {
		log.Info("uploaded a version that was changed, renamed or removed meanwhile; it will be replaced")
		return
	}
	q.runUploaded(it)
}

// fail records a permanent refusal of attempt in. If the item changed
// since (new content or name), the refusal concerns an old version: the
// new one gets its own attempt. Else the refusal is journaled, then the
// owner is told (Observer.Refused), then the waiters.
func (q *Queue) fail(it *item, in *intent, err error) {
	if !q.lockLive(it) {
		return
	}
	it.rec.Intent = nil // a refused request created nothing
	it.inflight = nil
	refused, waiters := false, []chan error(nil)
	switch {
	case it.rec.State == stCanceled:
		it.rerun = true
	case it.rec.State != stPending || it.rec.Gen != in.Gen || it.rec.Name != in.Name:
		if it.rec.State == stPending && it.writers == 0 && it.timer == nil {
			it.rerun = true
		}
	default:
		it.rec.State = stFailed
		it.rec.Attempts++
		setFailure(&it.rec, err)
		refused, waiters, it.waiters = true, it.waiters, nil
	}
	rec := it.rec.Clone()
	var snap Item
	if refused {
		snap = q.snapshotLocked(it)
	}
	q.mu.Unlock()
	if werr := it.dur.Write(q.l, rec, true); werr != nil {
		q.log.WithFields(logrus.Fields{"op": "fail", "id": rec.ID}).WithError(werr).Error("cannot journal failure")
	}
	it.pmu.Unlock()
	if !refused {
		return
	}
	if q.obs.Refused != nil {
		q.obs.Refused(snap)
	}
	uerr := &UploadError{Name: snap.Name, Err: err, Permanent: true}
	for _, ch := range waiters {
		ch <- uerr // buffered 1, sent once
	}
}
