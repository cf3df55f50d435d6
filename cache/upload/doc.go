// Package upload is the one face of files written into MOUNT/assets/: a
// Session holds the upload queue (package queue: spool files, journal,
// workers, speculative streams, exactly-once) and the write state the
// queue does not journal, and decides what a file's last close means.
// It knows nothing of FUSE; fs/assets adapts its operations to it and
// fs/node maps its errors (errno.go there).
//
// # What a Session decides
//
//   - Writers: every write handle of the mount on an item is counted
//     (Opened); only the last close (Release) judges the content.
//   - Rejections: content that will not be uploaded (a write past Krea's
//     75 MB limit, ErrTooBig, TooBig; a type Krea does not take,
//     ErrNotAccepted, judged at the last close, CheckClose, or at a rename
//     to a final name, RenameItem; a failed local write) is marked with
//     Reject; its last close drops the item and fails.
//   - Empty files with a final name are kept local (a placeholder writer
//     holds them in the queue as Writing) until they have content: programs
//     create files empty and write them later.
//   - Replaces: asset ids a queued file replaces (an asset opened for
//     writing, a rename over an asset) are kept here and handed to the
//     queue only at the last close with a final name, so content rejected
//     at close, or a temp name, never deletes them.
//   - Replacements: an asset opened for writing becomes a new queued file
//     holding its bytes, copied from the content store (Replacement,
//     CopyAsset). Clean copies: one closed unchanged is dropped, not
//     uploaded (it would only get a new id).
//   - Streaming: a file written in order from offset 0 under a final name
//     starts its POST while it is written (NewStreamer, StreamWrote).
//   - Cancels: rm of a queued file cancels it and deletes what it replaced
//     (Cancel).
//   - Moved copies: an asset renamed to a temp name and back unchanged
//     (SetMoved, Moved) is the asset again.
//   - Deletes: rm of an uploaded asset deletes it now, or, when the API
//     cannot be reached, journals the delete for the background (Delete).
//   - Done: the asset an item's upload made, kept a while (DoneKeep) for
//     the nodes that still name the item; the uploaded bytes become its
//     content in the content store unless Krea's asset differs from what
//     was sent (Uploaded).
//
// # Files
//
// Create, OpenWrite and OpenRead hand out a File: the queued file's bytes
// (its spool), read and written in place. Writes have the kernel start
// writing each completed 8 MiB to disk (flush.go), so that the fsync of
// the last close has little left.
//
// Names are judged by the queue's Hold function (Options.Hold): a name it
// holds (temp, junk) is never uploaded; every other name is final.
//
// # Read-only
//
// A Session without a queue (NewSession(nil, ...)) is a read-only mount's:
// it shows no queued file. Callers refuse changes before reaching it.
//
// # Locking
//
// Session.mu guards the write state maps. It is never held while calling
// the queue (which takes its own locks and does disk I/O) or the content
// checks.
package upload
