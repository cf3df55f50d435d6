package queue

// The workers: uploads, the exactly-once check, and deletes of replaced
// assets. Locking as in queue.go: a worker holds Queue.mu only for
// bookkeeping, item.pmu only around journal writes, and neither while
// talking to the API or calling onUploaded.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

func (q *Queue) worker() {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		for len(q.ready) == 0 && !q.closed {
			q.work.Wait()
		}
		if q.closed {
			q.mu.Unlock()
			return
		}
		it := q.ready[0]
		q.ready[0] = nil
		q.ready = q.ready[1:]
		it.queued, it.running = false, true
		st := it.rec.State
		q.mu.Unlock()

		switch st {
		case stPending:
			q.runUpload(it)
		case stUploaded:
			q.runUploaded(it)
		case stCanceled:
			q.runCanceled(it)
		}

		q.mu.Lock()
		it.running = false
		if it.rerun {
			it.rerun = false
			q.enqueueLocked(it)
		}
		q.mu.Unlock()
	}
}

func (q *Queue) logFor(it *item, op string) *logrus.Entry {
	q.mu.Lock()
	f := logrus.Fields{"op": op, "id": it.rec.ID, "name": it.rec.Name}
	q.mu.Unlock()
	return q.log.WithFields(f)
}

// outcome of a call to the API.
type outcome int

const (
	outcomeOK    outcome = iota
	outcomeRetry         // transient: 429, 5xx, transport; the request may have reached the server
	outcomeFail          // refused for good (4xx)
	outcomeStop          // the queue is closing; leave everything as journaled
)

func classify(err error, stopping bool) outcome {
	if err == nil {
		return outcomeOK
	}
	if stopping {
		return outcomeStop
	}
	var ae *api.Error
	if errors.As(err, &ae) && !api.Temporary(err) {
		return outcomeFail
	}
	// Transport errors, client timeouts (which wrap DeadlineExceeded),
	// 429 and 5xx.
	return outcomeRetry
}

// backoff is the delay before retry n (n >= 1): min doubled per failure,
// times jitter (expected in [0.5, 1.5)), capped at max.
func backoff(n int, min, max time.Duration, jitter float64) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = time.Duration(float64(d) * jitter)
	if d > max {
		d = max
	}
	if d < 0 {
		d = 0
	}
	return d
}

// runUpload sends a Pending item, first checking whether an earlier,
// interrupted attempt already created the asset.
func (q *Queue) runUpload(it *item) {
	q.mu.Lock()
	if it.removed || it.rec.State != stPending || it.writers > 0 || q.heldLocked(it) {
		q.mu.Unlock()
		return
	}
	id, gen, name := it.rec.ID, it.rec.Gen, it.rec.Name
	prev := it.rec.Intent
	checkAfter := it.checkAfter
	if prev != nil {
		q.abortStreamLocked(it, "an earlier attempt must be checked first")
	}
	it.inflight = &intent{Gen: gen, Name: name}
	q.mu.Unlock()
	defer q.endInflight(it)
	log := q.log.WithFields(logrus.Fields{"op": "upload", "id": id, "name": name})

	if prev != nil {
		a, err := q.findUploaded(it, prev, checkAfter)
		if err != nil {
			q.retryLater(it, fmt.Errorf("checking whether an interrupted upload arrived: %w", err), false)
			return
		}
		if a != nil {
			log.WithFields(logrus.Fields{"asset": a.ID, "marker": prev.Marker}).
				Info("an interrupted upload had reached the server; not sending it again")
			q.landed(it, prev, a)
			return
		}
		log.WithField("marker", prev.Marker).Info("an interrupted upload did not reach the server; sending again")
	}

	f, err := os.Open(q.l.spoolPath(id, gen))
	if err != nil {
		log.WithError(err).Error("cannot open spool file")
		q.fail(it, &intent{Gen: gen, Name: name}, ErrSpoolLost)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.WithError(err).Error("cannot stat spool file")
		q.fail(it, &intent{Gen: gen, Name: name}, ErrSpoolLost)
		return
	}
	in := &intent{Marker: newID()[:16], Started: q.o.Clock.Now(), Gen: gen, Name: name, Size: fi.Size()}

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
		return
	}
	it.rec.Intent, it.inflight = in, in
	s := it.stream // this attempt commits it, or gives it up
	it.stream = nil
	attempt := it.rec.Attempts + 1
	rec := it.rec.clone()
	q.mu.Unlock()
	err = q.l.writeRecord(rec) // the intent is durable before the POST (or a stream's end)
	it.pmu.Unlock()
	if err != nil {
		if s != nil {
			s.Abort("cannot journal the upload intent")
		}
		q.mu.Lock()
		it.rec.Intent = nil
		q.mu.Unlock()
		log.WithError(err).Error("cannot journal upload intent; not uploading")
		q.retryLater(it, err, false)
		return
	}

	log = log.WithFields(logrus.Fields{"size": in.Size, "marker": in.Marker, "attempt": attempt})
	log.Debug("uploading")
	a, err := q.send(s, f, in, log)
	if err == nil && (a == nil || a.ID == "") {
		err = errors.New("upload answer without an asset id")
	}
	switch classify(err, q.ctx.Err() != nil) {
	case outcomeOK:
		if s := a.Size(); s >= 0 && s != in.Size {
			// onUploaded's owner (fs) warns, with the types too.
			log.WithFields(logrus.Fields{"asset": a.ID, "server_size": s}).Debug("server reports a different size than was sent")
		}
		q.landed(it, in, a)
	case outcomeStop:
		log.Info("upload interrupted by shutdown; it resumes at the next mount")
	case outcomeRetry:
		log.WithError(err).Warn("upload failed; will retry")
		q.retryLater(it, err, true)
	case outcomeFail:
		log.WithError(err).Error("upload refused by the API; kept on disk as failed")
		q.fail(it, in, err)
	}
}

// send makes the POST of attempt in, whose intent is journaled: by
// committing stream s (the speculative upload of the same file, already
// sent up to its end) when it is usable, else from the spool file f. A
// committed stream's refusal is not trusted as the file's (it may concern
// the streaming itself): the file is then sent again the ordinary way, and
// that answer counts. Nothing was created by a refused request, nor by a
// stream given up before its commit.
func (q *Queue) send(s *Stream, f *os.File, in *intent, log logrus.FieldLogger) (*api.Asset, error) {
	if s != nil {
		if ok, ahead := s.commit(in.Gen, in.Name, in.Size); ok {
			log.WithField("sent", ahead).Debug("committing the speculative upload")
			a, err := s.result()
			if classify(err, q.ctx.Err() != nil) != outcomeFail {
				return a, err
			}
			log.WithError(err).Info("streamed upload refused; sending the file again the ordinary way")
			q.stopStreaming(err)
		} else {
			s.Abort("not usable at the upload's start")
			log.Debug("speculative upload not usable; uploading the ordinary way")
		}
	}
	return q.o.Uploader.UploadAsset(q.ctx, f, in.Name, in.Name)
}

// endInflight forgets the running upload and deletes spool generations
// that only it was reading.
func (q *Queue) endInflight(it *item) {
	q.mu.Lock()
	it.inflight = nil
	var drop []int
	for _, g := range it.oldGens {
		if g != it.rec.Gen || it.rec.State == stCanceled {
			drop = append(drop, g)
		}
	}
	it.oldGens = nil
	id := it.rec.ID
	q.mu.Unlock()
	for _, g := range drop {
		os.Remove(q.l.spoolPath(id, g))
	}
}

// landed records that the attempt in created asset a. If the item
// changed meanwhile (new content, new name, cancelled) a is superseded: it
// joins Replaces and the item goes on; else the item is Uploaded.
func (q *Queue) landed(it *item, in *intent, a *api.Asset) {
	if err := q.cl.add(a.ID, q.o.Clock.Now()); err != nil {
		q.log.WithFields(logrus.Fields{"op": "upload", "asset": a.ID}).WithError(err).Warn("cannot record the asset as this queue's")
	}
	it.pmu.Lock()
	q.mu.Lock()
	q.claimed[a.ID] = true
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
	rec := it.rec.clone()
	q.mu.Unlock()
	err := q.l.writeRecord(rec)
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

// runUploaded tells the owner (onUploaded), answers waiters, deletes the
// replaced assets and forgets the item.
func (q *Queue) runUploaded(it *item) {
	q.mu.Lock()
	if it.removed || it.rec.State != stUploaded {
		q.mu.Unlock()
		return
	}
	notified := it.notified
	snap := q.snapshotLocked(it)
	q.mu.Unlock()
	if !notified {
		if q.onUploaded != nil {
			q.onUploaded(snap, snap.Asset)
		}
		q.mu.Lock()
		it.notified = true
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
		a, err := q.findUploaded(it, prev, checkAfter)
		if err != nil {
			q.retryLater(it, fmt.Errorf("checking whether an interrupted upload arrived: %w", err), false)
			return
		}
		it.pmu.Lock()
		q.mu.Lock()
		if a != nil {
			it.rec.Replaces = addID(it.rec.Replaces, a.ID)
		}
		it.rec.Intent = nil
		rec := it.rec.clone()
		q.mu.Unlock()
		err = q.l.writeRecord(rec)
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

// finish forgets a done item: record first, then spool files (a spool
// without a record is removed at the next Open).
func (q *Queue) finish(it *item, err error) {
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if it.removed {
		q.mu.Unlock()
		return
	}
	it.removed = true
	q.stopTimerLocked(it)
	id := it.rec.ID
	gens := append([]int{it.rec.Gen}, it.oldGens...)
	q.mu.Unlock()
	if rerr := q.l.removeRecord(id); rerr != nil {
		q.log.WithFields(logrus.Fields{"op": "finish", "id": id}).WithError(rerr).Error("cannot remove journal record")
	}
	for _, g := range gens {
		os.Remove(q.l.spoolPath(id, g))
	}
	q.mu.Lock()
	delete(q.items, id)
	q.notifyLocked(it, err)
	q.mu.Unlock()
}

// retryLater counts a transient failure and schedules the next attempt.
// ambiguous: the failed request may have reached the server, so the
// intent stays and the next attempt first runs the exactly-once check.
func (q *Queue) retryLater(it *item, err error, ambiguous bool) {
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if it.removed {
		q.mu.Unlock()
		return
	}
	it.inflight = nil // before waiters hear of it; endInflight still drops old generations
	now := q.o.Clock.Now()
	if ambiguous {
		it.checkAfter = q.lst.mark()
	}
	it.rec.Attempts++
	it.rec.Err, it.rec.ErrCode = err.Error(), 0
	n := it.rec.Attempts
	var d time.Duration
	if n%q.o.MaxAttempts == 0 {
		d = q.o.RoundPause
		q.notifyLocked(it, &UploadError{Name: it.rec.Name, Err: err})
	} else {
		d = backoff(n%q.o.MaxAttempts, q.o.MinBackoff, q.o.MaxBackoff, 0.5+rand.Float64())
	}
	if !(it.rec.State == stPending && (it.writers > 0 || q.heldLocked(it))) && it.rec.State != stWriting && it.rec.State != stFailed {
		q.scheduleLocked(it, now.Add(d))
	}
	rec := it.rec.clone()
	q.mu.Unlock()
	if werr := q.l.writeRecord(rec); werr != nil {
		q.log.WithFields(logrus.Fields{"op": "retry", "id": rec.ID}).WithError(werr).Error("cannot journal retry state")
	}
	q.log.WithFields(logrus.Fields{"op": "retry", "id": rec.ID, "name": rec.Name, "attempt": n,
		"in": d.Round(time.Millisecond)}).Debug("retry scheduled")
}

// fail records a permanent refusal of attempt in. If the item changed
// since (new content or name), the refusal concerns an old version: the
// new one gets its own attempt.
func (q *Queue) fail(it *item, in *intent, err error) {
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if it.removed {
		q.mu.Unlock()
		return
	}
	it.rec.Intent = nil // a refused request created nothing
	it.inflight = nil
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
		it.rec.setFailure(err)
		q.notifyLocked(it, &UploadError{Name: it.rec.Name, Err: err, Permanent: true})
	}
	rec := it.rec.clone()
	q.mu.Unlock()
	if werr := q.l.writeRecord(rec); werr != nil {
		q.log.WithFields(logrus.Fields{"op": "fail", "id": rec.ID}).WithError(werr).Error("cannot journal failure")
	}
}
