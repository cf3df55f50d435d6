package assets

// Refused uploads in the events log: the upload queue reports successes
// to the tree (Tree.uploaded) but keeps a refusal on the item (State
// Failed), so each refused item is logged once, when the tree next looks
// at the queue: a listing of assets/, or a look at MOUNT/.kreafs/events
// (tail -f polls its size).
//
// Locking: Tree.refusedSeen is a sync.Map.

import (
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/view"
)

// NoteRefusals adds an upload-refused event for each item the queue
// refused since the last look.
func (r *Tree) NoteRefusals() { r.noteRefusals(r.up.Session().Items()) }

func (r *Tree) noteRefusals(items []queue.Item) {
	for _, it := range items {
		if it.State != queue.Failed {
			continue
		}
		key := it.ID + "\x00" + it.Err
		if _, seen := r.refusedSeen.LoadOrStore(key, true); !seen {
			r.Events.Add(view.EventUploadRefused, "", "assets/"+it.Name)
		}
	}
}
