package assets

// Refused uploads in the events log: the upload queue reports each
// refusal as it happens (queue.Observer.Refused), and at mount the ones
// an earlier mount left, so `tail -f .kreafs/events` shows it with
// nobody looking at assets/.

import (
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/view"
)

// refused is the upload queue's report of a file it will not upload
// without help (State Failed: refused by the API, or interrupted while
// written by an earlier mount): one upload-refused event. The file stays
// listed (a Failed item is Visible) and .kreafs/uploads says why.
func (r *Tree) refused(it queue.Item) {
	r.Events.Add(view.EventUploadRefused, "", "assets/"+it.Name)
}
