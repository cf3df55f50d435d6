package assets

// Refused uploads in the events log, when they happen. The upload queue
// reports successes to the tree (Tree.uploaded) but keeps a refusal on
// the item (State Failed), so while the queue has uploads that may still
// be refused (Pending, Uploading) the tree looks at it every
// refusalPoll, and logs each refused item once. The watch starts when a
// write handle ends (written.Host.Released: an upload may be queued), at
// mount for uploads resumed from an earlier mount; it ends when nothing
// is in flight, so an idle mount does no work. A listing of assets/ and a
// look at the events file also log the refusals they find.
//
// Locking: refusals.seen is a sync.Map, refusals.watching an atomic.

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/view"
)

// refusalPoll is how often the queue is looked at while uploads are in
// flight: a refusal shows in the events log within this long.
const refusalPoll = 250 * time.Millisecond

// refusals is what the events log knows of refused uploads.
type refusals struct {
	seen     sync.Map    // item id + error of refusals logged
	watching atomic.Bool // refusalLoop runs
}

// NoteRefusals adds an upload-refused event for each item the queue
// refused that the log does not have yet (a look at the events file:
// what it shows is never behind the queue).
func (r *Tree) NoteRefusals() { r.noteRefusals(r.up.Session().Items()) }

func (r *Tree) noteRefusals(items []queue.Item) {
	for _, it := range items {
		if it.State != queue.Failed {
			continue
		}
		key := it.ID + "\x00" + it.Err
		if _, seen := r.refusals.seen.LoadOrStore(key, true); !seen {
			r.Events.Add(view.EventUploadRefused, "", "assets/"+it.Name)
		}
	}
}

// watchRefusals starts refusalLoop unless it runs.
func (r *Tree) watchRefusals() {
	if !r.readOnly && r.refusals.watching.CompareAndSwap(false, true) {
		r.Background(r.refusalLoop)
	}
}

// refusalLoop logs refusals until the queue has nothing in flight.
func (r *Tree) refusalLoop(ctx context.Context) {
	tick := time.NewTicker(refusalPoll)
	defer tick.Stop()
	for {
		items := r.up.Session().Items()
		r.noteRefusals(items)
		if !inFlight(items) {
			r.refusals.watching.Store(false)
			// A start asked for meanwhile found the loop running: look
			// again, and carry on if there is work and nobody took over.
			if !inFlight(r.up.Session().Items()) || !r.refusals.watching.CompareAndSwap(false, true) {
				return
			}
		}
		select {
		case <-ctx.Done():
			r.refusals.watching.Store(false)
			return
		case <-tick.C:
		}
	}
}

// inFlight reports whether an item may still be refused.
func inFlight(items []queue.Item) bool {
	for _, it := range items {
		if it.State == queue.Pending || it.State == queue.Uploading {
			return true
		}
	}
	return false
}
