package jobs

// jobWatcher re-fetches unfinished jobs that someone listed or opened, on
// the schedule of pollSchedule, so that result files appear in the mount
// without anyone remounting. It knows nothing about FUSE: what a poll does
// (GetJob, update the job's snapshot, invalidate the kernel's entries) is
// the poll function it is given.
//
// Lifetime: the watcher's goroutine runs only while some job is watched
// (it ends by itself when none is left) and is started through spawn
// (node.Mount.Background, so Root.Close waits for it); it ends when
// ctx (the Mount's background context) is cancelled.
//
// Locking: mu guards watches and running. poll runs on the watcher's
// goroutines WITHOUT mu held.

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// pollTimeout bounds one poll of one job.
const pollTimeout = 15 * time.Second

// pollParallel is how many jobs are polled at the same time.
const pollParallel = 4

type jobWatcher struct {
	sched pollSchedule
	now   func() time.Time
	// poll re-fetches one job; done means stop watching it (finished,
	// deleted). It runs without mu held.
	poll func(ctx context.Context, id string) (done bool)
	log  logrus.FieldLogger

	ctx   context.Context // cancelled: stop polling for good
	spawn func(func())    // runs the loop on a goroutine its owner waits for
	wake  chan struct{}   // capacity 1: "something changed, look again"

	mu      sync.Mutex
	watches map[string]*watch
	running bool // the loop goroutine is alive
}

// watch is the polling state of one job. Guarded by jobWatcher.mu.
type watch struct {
	attempt  int           // polls done so far
	since    time.Time     // when watching began (long jobs are polled less)
	last     time.Duration // the wait before the current due time
	due      time.Time     // next poll
	interest time.Time     // last time someone listed or opened the job
	polling  bool          // a poll is in flight
}

func newJobWatcher(ctx context.Context, spawn func(func()), sched pollSchedule, now func() time.Time,
	log logrus.FieldLogger, poll func(ctx context.Context, id string) bool) *jobWatcher {
	return &jobWatcher{
		sched:   sched,
		now:     now,
		poll:    poll,
		log:     log,
		ctx:     ctx,
		spawn:   spawn,
		wake:    make(chan struct{}, 1),
		watches: make(map[string]*watch),
	}
}

// arm starts (or renews) watching job id. The first poll comes after
// sched.First; a renewed watch keeps its place in the backoff.
func (w *jobWatcher) arm(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx.Err() != nil {
		return
	}
	now := w.now()
	if wt, ok := w.watches[id]; ok {
		wt.interest = now
		return
	}
	if w.sched.MaxJobs > 0 && len(w.watches) >= w.sched.MaxJobs {
		w.evictOldestLocked()
	}
	first := w.sched.delay(0)
	w.watches[id] = &watch{due: now.Add(first), since: now, last: first, interest: now}
	w.startLocked()
}

// evictOldestLocked drops the watch with the oldest interest.
func (w *jobWatcher) evictOldestLocked() {
	var oldest string
	var at time.Time
	for id, wt := range w.watches {
		if oldest == "" || wt.interest.Before(at) || (wt.interest.Equal(at) && id < oldest) {
			oldest, at = id, wt.interest
		}
	}
	if oldest != "" {
		delete(w.watches, oldest)
		w.log.WithFields(logrus.Fields{"op": "watch", "id": oldest}).Debug("too many watched jobs; dropped the least recently used")
	}
}

// forget stops watching id (the job was deleted through the mount).
func (w *jobWatcher) forget(id string) {
	w.mu.Lock()
	delete(w.watches, id)
	w.mu.Unlock()
}

// watched reports whether id is being watched (for tests and logs).
func (w *jobWatcher) watched(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.watches[id]
	return ok
}

// startLocked makes sure the loop runs and looks at the new state.
func (w *jobWatcher) startLocked() {
	if !w.running {
		w.running = true
		w.spawn(w.loop)
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// loop polls due jobs until nothing is left to watch or ctx ends.
func (w *jobWatcher) loop() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var next time.Time
		ok := false
		if w.ctx.Err() == nil {
			next, ok = w.step(w.ctx)
		}
		w.mu.Lock()
		if w.ctx.Err() != nil || !ok {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		wait := next.Sub(w.now())
		if wait < 0 {
			wait = 0
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
		select {
		case <-w.ctx.Done():
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// step polls every job that is due, drops the ones that are done or idle,
// and returns when the next poll is due (ok false: nothing is watched).
func (w *jobWatcher) step(ctx context.Context) (next time.Time, ok bool) {
	now := w.now()
	var due []string
	w.mu.Lock()
	for id, wt := range w.watches {
		switch {
		case w.sched.Idle > 0 && now.Sub(wt.interest) > w.sched.Idle:
			delete(w.watches, id)
			w.log.WithFields(logrus.Fields{"op": "watch", "id": id}).Debug("job not looked at for a while; stopped polling it")
		case !wt.polling && !now.Before(wt.due):
			wt.polling = true
			due = append(due, id)
		}
	}
	w.mu.Unlock()

	if len(due) > 0 {
		results := make([]bool, len(due))
		sem := make(chan struct{}, pollParallel)
		var wg sync.WaitGroup
		for i, id := range due {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				pctx, cancel := context.WithTimeout(ctx, pollTimeout)
				defer cancel()
				results[i] = w.poll(pctx, id)
			}()
		}
		wg.Wait()

		after := w.now()
		w.mu.Lock()
		for i, id := range due {
			wt, ok := w.watches[id]
			if !ok {
				continue // forgotten or evicted meanwhile
			}
			wt.polling = false
			if results[i] {
				delete(w.watches, id)
				continue
			}
			wt.attempt++
			wt.last = w.sched.next(wt.attempt, after.Sub(wt.since), wt.last)
			wt.due = after.Add(wt.last)
		}
		w.mu.Unlock()
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wt := range w.watches {
		if !ok || wt.due.Before(next) {
			next, ok = wt.due, true
		}
	}
	return next, ok
}

// Watched says whether the running job id is being polled (the mount
// tests check that a job someone listed is watched).
func (d *jobsDir) Watched(id string) bool { return d.watch.watched(id) }
