package queue

// Waiting for uploads (fsync), snapshots of the items, and Close.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
)

// Wait is fsync(2) of a queued file. For a Pending item it starts the
// upload now (skipping the rest of the delay) and returns when it
// succeeded (nil), failed for good (*UploadError, Permanent), or failed
// MaxAttempts times in a row (*UploadError, not Permanent: the item stays
// queued). For a Failed item it returns its error at once. For an item
// open for writing or Held it fsyncs the spool and returns nil: the bytes
// are durable locally, and are uploaded after the last close. Unknown ids
// (already uploaded and forgotten) give nil; Canceled ones ErrCanceled
// (DeleteAssets items: the outcome of the deletes).
func (q *Queue) Wait(ctx context.Context, id string) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	it := q.items[id]
	if it == nil || it.removed {
		q.mu.Unlock()
		return nil
	}
	switch q.stateLocked(it) {
	case Writing, Held:
		q.mu.Unlock()
		return q.makeDurable(it)
	case Failed:
		err := recordFailure(&it.rec)
		q.mu.Unlock()
		return err
	case Canceled:
		if !it.rec.Delete {
			q.mu.Unlock()
			return ErrCanceled
		}
	case Uploaded:
		if q.notifiedLocked(it) {
			q.mu.Unlock()
			return nil
		}
	}
	ch := q.subscribeLocked(it)
	q.mu.Unlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// subscribeLocked registers a waiter for the item's next outcome and
// makes the item due now (unless a worker has it already).
func (q *Queue) subscribeLocked(it *item) chan error {
	ch := make(chan error, 1)
	it.waiters = append(it.waiters, ch)
	if !it.running {
		q.enqueueLocked(it)
	}
	return ch
}

// WaitAll is fsync(2) of the directory: it starts every Pending upload
// (and pending delete) now and waits for all of them as Wait does,
// returning their errors joined. Items open for writing, Held or already
// Failed before the call are not waited for.
func (q *Queue) WaitAll(ctx context.Context) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	var chans []chan error
	for _, it := range q.items {
		if it.removed {
			continue
		}
		switch q.stateLocked(it) {
		case Pending, Uploading:
		case Uploaded:
			if q.notifiedLocked(it) {
				continue
			}
		case Canceled:
			if !it.rec.Delete {
				continue
			}
		default:
			continue
		}
		chans = append(chans, q.subscribeLocked(it))
	}
	q.mu.Unlock()
	var errs []error
	for _, ch := range chans {
		select {
		case err := <-ch:
			if err != nil && !errors.Is(err, ErrCanceled) {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			return errors.Join(append(errs, ctx.Err())...)
		}
	}
	return errors.Join(errs...)
}

// Items returns every item the queue knows, oldest first.
func (q *Queue) Items() []Item { return q.itemsWhere(func(*item) bool { return true }) }

// Uploaded returns the items uploaded, landed (Observer.Uploaded was
// called) and not yet removed, oldest first: what listings need of the
// queue besides Shadowed, from the set of those (told), not a look at
// every item (lookups ask for it on every call). A Landing item is not
// among them: it is still shown as the queued file (Item.Shown).
func (q *Queue) Uploaded() []Item {
	q.mu.Lock()
	out := q.liveSnapshotsLocked(slices.Collect(maps.Keys(q.told)))
	q.mu.Unlock()
	return sizedInOrder(out)
}

// itemsWhere returns the snapshots of the items keep accepts (called with
// the lock held), oldest first.
func (q *Queue) itemsWhere(keep func(*item) bool) []Item {
	q.mu.Lock()
	out := []Item{}
	for _, it := range q.items {
		if !it.removed && keep(it) {
			out = append(out, q.snapshotLocked(it))
		}
	}
	q.mu.Unlock()
	return sizedInOrder(out)
}

// itemsNamed returns the snapshots of the items named name, oldest first.
func (q *Queue) itemsNamed(name string) []Item {
	q.mu.Lock()
	out := q.liveSnapshotsLocked(q.byName[name])
	q.mu.Unlock()
	return sizedInOrder(out)
}

// liveSnapshotsLocked returns the snapshots of those of its not removed.
func (q *Queue) liveSnapshotsLocked(its []*item) []Item {
	out := []Item{}
	for _, it := range its {
		if !it.removed {
			out = append(out, q.snapshotLocked(it))
		}
	}
	return out
}

// sizedInOrder gives the snapshots of items being written their spool's
// size now, and sorts them oldest first.
func sizedInOrder(out []Item) []Item {
	for i := range out {
		if out[i].State == Writing {
			if fi, err := os.Stat(out[i].Spool); err == nil {
				out[i].Size = fi.Size()
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Get returns one item.
func (q *Queue) Get(id string) (Item, bool) {
	q.mu.Lock()
	it := q.items[id]
	if it == nil || it.removed {
		q.mu.Unlock()
		return Item{}, false
	}
	s := q.snapshotLocked(it)
	q.mu.Unlock()
	if s.State == Writing {
		if fi, err := os.Stat(s.Spool); err == nil {
			s.Size = fi.Size()
		}
	}
	return s, true
}

// Lookup returns the newest Visible item named name. Only the items of
// that name are looked at (byName): FUSE lookups ask on every call, and a
// snapshot of a queue of hundreds of items cost them milliseconds, a scan
// of them a tenth of a millisecond.
func (q *Queue) Lookup(name string) (Item, bool) {
	var best Item
	found := false
	for _, s := range q.itemsNamed(name) {
		if s.Shown() {
			best, found = s, true
		}
	}
	return best, found
}

// Shadowed returns the asset ids that listings must hide: assets a queued
// item replaces (its name shows the item instead) and assets being
// deleted.
func (q *Queue) Shadowed() map[string]bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := map[string]bool{}
	for _, it := range q.items {
		for _, id := range it.rec.Replaces {
			out[id] = true
		}
	}
	return out
}

// Close stops scheduling, waits for running uploads and deletes until ctx
// is done (then aborts them: they are retried, after the exactly-once
// check, at the next Open), and releases the directory. Everything not
// finished stays in the journal. Waiters get ErrClosed. Release the FUSE
// mount first: after Close every method returns ErrClosed.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	for _, it := range q.items {
		q.abortStreamLocked(it, "queue closing")
		q.stopTimerLocked(it)
		q.notifyLocked(it, ErrClosed)
	}
	for _, it := range q.ready {
		it.queued = false
	}
	q.ready = nil
	q.work.Broadcast()
	q.mu.Unlock()

	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		// The caller says what is left (Backlog), once.
		q.log.WithField("op", "close").Info("giving up on running uploads; they resume at the next mount")
		q.stop()
		<-done
		err = fmt.Errorf("upload queue: close: %w", ctx.Err())
	}
	q.stop()
	q.swg.Wait()  // every stream's request has ended (aborted, or its worker is done)
	q.com.Flush() // files closed in the last CommitWindow
	q.cl.Close()
	q.pool.Close()
	q.l.Close()
	q.lock.Close()
	return err
}
