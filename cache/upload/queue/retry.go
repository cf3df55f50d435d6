package queue

// Retries: what an API call's error means for the item (classify), and
// when a transiently failed item runs again (backoff, retryLater).

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

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

// retryLater counts a transient failure and schedules the next attempt.
// ambiguous: the failed request may have reached the server, so the
// intent stays and the next attempt first runs the exactly-once check.
func (q *Queue) retryLater(it *item, err error, ambiguous bool) {
	if !q.lockLive(it) {
		return
	}
	defer it.pmu.Unlock()
	it.inflight = nil // before waiters hear of it; endInflight still drops old generations
	now := q.o.Clock.Now()
	if ambiguous {
		it.checkAfter = q.lst.Mark()
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
	rec := it.rec.Clone()
	q.mu.Unlock()
	if werr := it.dur.Write(q.l, rec, true); werr != nil {
		q.log.WithFields(logrus.Fields{"op": "retry", "id": rec.ID}).WithError(werr).Error("cannot journal retry state")
	}
	q.log.WithFields(logrus.Fields{"op": "retry", "id": rec.ID, "name": rec.Name, "attempt": n,
		"in": d.Round(time.Millisecond)}).Debug("retry scheduled")
}
