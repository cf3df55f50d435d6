package queue

// An item's state and when it is due: timers, the ready list the workers
// take from, and the answers to waiters. Functions named ...Locked need
// Queue.mu held.

import "time"

// get finds a known item that is not finished (ErrUnknownItem otherwise).
func (q *Queue) get(id string) (*item, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, ErrClosed
	}
	it := q.items[id]
	if it == nil || it.removed {
		return nil, ErrUnknownItem
	}
	return it, nil
}

// --- scheduling (all ...Locked) ---

func (q *Queue) heldLocked(it *item) bool {
	return q.o.Hold != nil && q.o.Hold(it.rec.Name)
}

func (q *Queue) stateLocked(it *item) State {
	switch it.rec.State {
	case stWriting:
		return Writing
	case stFailed:
		return Failed
	case stUploaded:
		return Uploaded
	case stCanceled:
		return Canceled
	}
	switch {
	case it.writers > 0:
		return Writing
	case it.inflight != nil:
		return Uploading
	case q.heldLocked(it):
		return Held
	}
	return Pending
}

func (q *Queue) snapshotLocked(it *item) Item {
	s := Item{
		ID: it.rec.ID, Name: it.rec.Name, Size: it.rec.Size, State: q.stateLocked(it),
		Err: it.rec.Err, Attempts: it.rec.Attempts, Replaces: append([]string(nil), it.rec.Replaces...),
		Created: it.rec.Created, Modified: it.rec.Modified, Spool: q.l.SpoolPath(it.rec.ID, it.rec.Gen),
	}
	if it.timer != nil {
		s.NextTry = it.due
	}
	if it.rec.Asset != nil {
		a := *it.rec.Asset
		s.Asset = &a
	}
	s.Landing = it.rec.State == stUploaded && !q.notifiedLocked(it)
	s.Written = it.rec.Written
	if s.Written.IsZero() {
		s.Written = it.rec.Modified
	}
	return s
}

func (q *Queue) stopTimerLocked(it *item) {
	if it.timer != nil {
		it.timer.Stop()
		it.timer = nil
	}
	it.seq++
	it.due = time.Time{}
}

// scheduleLocked makes the item due at t (now or earlier: queued at once).
func (q *Queue) scheduleLocked(it *item, t time.Time) {
	q.stopTimerLocked(it)
	if q.closed || it.removed {
		return
	}
	d := t.Sub(q.o.Clock.Now())
	if d <= 0 {
		q.enqueueLocked(it)
		return
	}
	seq := it.seq
	it.due = t
	it.timer = q.o.Clock.AfterFunc(d, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if it.seq == seq {
			it.timer = nil
			q.enqueueLocked(it)
		}
	})
}

// scheduleAfterCloseLocked schedules a closed pending item for its last
// close + Delay, unless it is held.
func (q *Queue) scheduleAfterCloseLocked(it *item) {
	if it.rec.State != stPending || it.writers > 0 {
		return
	}
	if q.heldLocked(it) {
		q.stopTimerLocked(it)
		return
	}
	delay := q.o.Delay
	if q.draining {
		delay = 0
	}
	q.scheduleLocked(it, it.rec.Modified.Add(delay))
}

// enqueueLocked hands the item to the workers now.
func (q *Queue) enqueueLocked(it *item) {
	if q.closed || it.removed {
		return
	}
	if it.running {
		it.rerun = true
		return
	}
	if it.queued {
		return
	}
	q.stopTimerLocked(it)
	it.queued = true
	q.ready = append(q.ready, it)
	q.work.Signal()
}

// notifyLocked answers every Wait on the item.
func (q *Queue) notifyLocked(it *item, err error) {
	for _, ch := range it.waiters {
		ch <- err // buffered 1, sent once
	}
	it.waiters = nil
}

// lockLive takes it.pmu, then Queue.mu, for a change of a live item: false
// (holding neither) if the item was removed meanwhile. The caller unlocks
// both.
func (q *Queue) lockLive(it *item) bool {
	it.pmu.Lock()
	q.mu.Lock()
	if it.removed {
		q.mu.Unlock()
		it.pmu.Unlock()
		return false
	}
	return true
}
