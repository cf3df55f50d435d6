package queue

import (
	"errors"
	"fmt"
	"time"

	"github.com/kreafs/kreafs/api"
)

// State is where an item is in its life. Only the queue changes it.
type State int

const (
	// Writing: at least one handle is open for writing (OpenWriters > 0);
	// never uploaded in this state.
	Writing State = iota
	// Held: closed, but Options.Hold says its current name is not to be
	// uploaded (temp names, .DS_Store...). Kept on disk until renamed or
	// cancelled.
	Held
	// Pending: waiting for the upload delay or for a retry after a
	// transient failure (then Err says why and NextTry when).
	Pending
	// Uploading: a worker is sending it (or checking whether an earlier,
	// interrupted send reached the server).
	Uploading
	// Failed: the API refused it for good, or it was interrupted while
	// being written. Kept on disk; Err says why. Leaves this state only
	// through Retry, OpenWrite (rewrite) or Cancel.
	Failed
	// Uploaded: the asset exists (Item.Asset); the queue is deleting the
	// assets it replaces. Listings should show the asset, not the item.
	Uploaded
	// Canceled: removed by the user; the queue is deleting the assets it
	// replaces (and any upload of it that reached the server). Listings
	// should show neither the item nor those assets.
	Canceled
)

var stateNames = [...]string{"writing", "held", "pending", "uploading", "failed", "uploaded", "canceled"}

func (s State) String() string {
	if int(s) < len(stateNames) && s >= 0 {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Visible reports whether a listing of the assets directory shows an item
// in this state as a file of its own (the local spool is its content).
func (s State) Visible() bool { return s <= Failed }

// Shown reports whether the assets directory shows the item as a file of
// its own: in a Visible state, or Landing (its owner does not show the
// asset yet, so the name keeps leading to the queued file).
func (it Item) Shown() bool { return it.State.Visible() || it.Landing }

// Item is a snapshot of one queued file, safe to keep and share.
type Item struct {
	ID       string     // queue-local id (random hex), stable across restarts
	Name     string     // current name = the asset's description once uploaded
	Size     int64      // bytes in the spool file (current size while Writing)
	State    State      //
	Err      string     // why it Failed, or the last transient error while Pending
	Attempts int        // consecutive failed attempts
	NextTry  time.Time  // when a Pending item is due (zero if not scheduled)
	Replaces []string   // asset ids deleted once this upload succeeds (or it is cancelled)
	Asset    *api.Asset // the created asset (State Uploaded)
	// Landing: Uploaded, and Observer.Uploaded not called yet (the landing
	// record is being written, or the owner is adding the asset).
	Landing  bool
	Created  time.Time // when Create was called
	Modified time.Time // last Release (close) or Create
	// Written: the last write's time (the spool's modification time at
	// the last close); Modified when unknown. What the file shows.
	Written time.Time
	Spool   string // path of the current spool file (read-only use)
}

// Errors of the queue itself. Upload failures are *UploadError.
var (
	ErrClosed      = errors.New("upload queue: queue closed")
	ErrLocked      = errors.New("upload queue: queue directory in use by another process")
	ErrUnknownItem = errors.New("upload queue: no such pending item")
	ErrCanceled    = errors.New("upload queue: upload canceled")
	// ErrInterrupted is the Err of an item that kreafs stopped (crash,
	// kill) while it was open for writing: its content may be incomplete,
	// so it is kept as Failed rather than uploaded.
	ErrInterrupted = errors.New("interrupted while open for writing; content may be incomplete")
	// ErrSpoolLost is the Err of an item whose spool file vanished or
	// cannot be read.
	ErrSpoolLost = errors.New("spool file missing or unreadable")
)

// UploadError is what Wait returns for a failed upload. It unwraps to the
// api error (errors.Is(err, api.ErrTooLarge) works), even for failures
// loaded back from the journal after a restart.
type UploadError struct {
	Name      string
	Err       error
	Permanent bool // the item is Failed; false: still queued, retried later
}

func (e *UploadError) Error() string {
	if e.Permanent {
		return fmt.Sprintf("upload of %q failed: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("upload of %q not done yet (will retry): %v", e.Name, e.Err)
}

func (e *UploadError) Unwrap() error { return e.Err }

// recordFailure rebuilds the error of a Failed record.
func recordFailure(r *record) error {
	var inner error
	switch {
	case r.ErrCode != 0:
		inner = &api.Error{Status: r.ErrCode, Message: r.Err, Op: "POST /assets"}
	case r.Err == ErrInterrupted.Error():
		inner = ErrInterrupted
	case r.Err == ErrSpoolLost.Error():
		inner = ErrSpoolLost
	default:
		inner = errors.New(r.Err)
	}
	return &UploadError{Name: r.Name, Err: inner, Permanent: true}
}

// setFailure stores err in the record (message and, for API refusals, the
// status so that errors.Is still works after a restart).
func setFailure(r *record, err error) {
	var ae *api.Error
	if errors.As(err, &ae) {
		r.Err, r.ErrCode = ae.Message, ae.Status
		return
	}
	r.Err, r.ErrCode = err.Error(), 0
}

func addID(ids []string, id string) []string {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}
