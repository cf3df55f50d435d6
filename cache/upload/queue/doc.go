// Package queue is kreafs' durable upload queue: files
// written into MOUNT/assets/ are kept in spool files on disk and uploaded
// (POST /assets) after their last close, exactly once, surviving crashes.
// It knows "put this file under this name, then delete these assets"; it
// knows nothing about FUSE. Package upload (the Session) drives it for
// fs/; cmd/kreafs opens it (Open: loads the journal, uploads nothing), fs
// starts it once the tree exists (Start(Observer): the owner is told of
// each upload and each refusal), cmd/kreafs drains
// and closes it (Drain, Close, Backlog). A queued file is Create'd (or
// OpenWrite'd again: each counts a writer), written through the returned
// *os.File, and Release'd at each close; Rename, Cancel, DeleteAssets,
// Wait (fsync) and WaitAll (fsync of the directory) act on it after;
// Items, Lookup and Shadowed are what listings show and hide.
//
// Item ids are queue-local random hex strings, stable across restarts.
// Names are sent as the asset's description and the multipart filename
// (the API may echo neither; fs keeps names by asset id itself); the queue
// does not check them, nor sizes or types: temp or junk names are held
// through Options.Hold; package upload rejects sizes past 75 MB at write
// and wrong types at close.
//
// # Progress (progress.go)
//
// Open wraps the Uploader to count the spool bytes each upload body hands
// the transport, by spool file, while the call runs (Queue.Progress), and
// the uploads the API accepted (Queue.Stats). The counts are only shown;
// no decision depends on them.
//
// # Timing
//
// No upload starts while a writer is open (State Writing; a speculative
// stream may send the bytes ahead, but not its end). The last
// Release schedules the upload for Delay later; another OpenWrite before
// that cancels the schedule and the next last Release starts it again, so
// the upload starts Delay after the LAST close. Rename changes the name the
// upload will use, as often as needed, without moving the time (a
// temp-file-then-rename writer such as rsync thus makes one asset, under
// the final name, if it renames within Delay). Names for which
// Options.Hold is true are never uploaded (State Held) until renamed to a
// name for which it is false; a closed one is then due as soon as it is
// durable (the group commit, within CommitWindow, or at once when a
// worker is free), not Delay after its last close: that rename ends a
// save (rsync, editors, downloaders), and a bulk copy's uploads would
// otherwise trail it by Delay. At Start,
// pending items are due at once.
//
// # Speculative uploads (stream.go)
//
// fs/ may start the POST of a file while it is still being written
// (StartStream, then Stream.Grow after each append): the request's body
// follows the writes and blocks at the written end. Its end - the
// multipart closing boundary, without which the request creates nothing -
// is sent only by runUpload, after the intent is journaled, i.e. exactly
// when the ordinary upload would start (last close + Delay, or Wait). So
// an asset is still created only after the last close, and crash recovery
// and the exactly-once check see a committed stream as an ordinary
// upload. Anything unexpected before the commit (Stream.Abort from fs/,
// OpenWrite, a Rename to another name, Cancel, Close, StreamIdle without
// new bytes, the request ending early) gives the stream up - its request
// is cancelled and created nothing - and the file is uploaded the ordinary
// way. At most Options.Streams run at once.
//
// # A file that changes while it is being uploaded
//
// A running upload is never cancelled (cancelling a POST leaves it unknown
// whether the asset was created). If the file is opened for writing while
// its upload runs, the writer gets a new spool generation (a copy, or an
// empty file with trunc) and the upload goes on with the old bytes. When it
// ends, its asset is "superseded": added to the item's Replaces, the new
// version is uploaded after its own last close + Delay, and the superseded
// asset is deleted once the new upload succeeded. A Rename during the
// upload works the same way (upload again under the new name, delete the
// asset made under the old one), and so does a Cancel (the asset made is
// deleted). Superseded assets are in Shadowed(), so listings never show
// two versions.
//
// # Replaces (overwrite and mv)
//
// Replaces lists asset ids that are deleted only AFTER the item's upload
// succeeded: `cp new.png a.png` over an existing asset, and `mv a.png
// b.png` of an uploaded asset (the API has no rename: upload the bytes as
// b.png with Replaces=[a's id]). If the upload fails for good the replaced
// assets stay. If the item is cancelled (rm of the new name) they are
// deleted, since the name they were shown under was removed. Deletes are
// retried like uploads; 404 counts as done; a permanent refusal is logged
// and that asset is left alone.
//
// # Durability
//
// Dir holds spool/<id>.<gen> (the bytes) and journal/records.log (every
// item's records, appended with checksums, so that a crash leaves the old
// record or the new one; their layout, format and checks are package
// journal's, in internal/journal), plus a lock file (flock: one process
// per Dir; a second Open fails with ErrLocked, and so does Open on a
// file system without locks: two queues on one Dir would upload twice).
// The file helpers are cache/internal/durable's. Dirs are 0700, files
// 0600. Create journals the item before
// creating its spool; the last Release journals the item as pending. Every
// record is written at once, so all of this survives kill -9; which ones
// are fsynced (survive a power cut), and when, is durability.go's (and
// internal/journal's): a file closed under a final name within
// CommitWindow (the files closed meanwhile together), and before every
// upload. What survives kill -9, and what Open does with it:
//
//   - pending (closed): uploaded once, at once.
//   - open for writing at the crash: kept as Failed with ErrInterrupted
//     (its content may be a torn prefix) - visible, never uploaded or
//     deleted on its own; Retry or rm decide. An empty one is dropped.
//   - upload in flight: see "Exactly once" below.
//   - uploaded but not cleaned up: Observer.Uploaded is called again, the replaced
//     assets are deleted, then the spool.
//   - cancelled or DeleteAssets not finished: the deletes are redone.
//   - Failed: stays Failed (and is reported to Observer.Refused at
//     Start), except refusals that depend on the account (401, 402,
//     403), which are retried once per Open.
//   - a record that does not parse is renamed *.corrupt and logged; its
//     spool is kept for a human. Spool files of finished items and stale
//     generations are removed.
//
// # Exactly once
//
// Every POST has an intent journaled (and fsynced) before its body can
// end: a random marker, the local start time, the name, the spool
// generation and size. The fsync runs while the request starts; the
// file's last byte (or a stream's end) waits for it (spool_body.go), and a
// request whose body did not end created nothing.
// The intent is cleared only when the outcome is known (success journaled,
// or a refusal). An intent found at Open, or left by a transient failure
// whose request may have reached the server (5xx, reset connection,
// timeout), means "maybe uploaded": before sending again the queue lists
// the account's assets (AllAssets, in a listing taken after the failure,
// shared by every item that needs one: internal/arrived) and looks for an asset whose
// description is the name, whose size_bytes is the spool size (or null),
// that was uploaded no earlier than Skew (DefaultSkew) before the intent
// started, and that is not already accounted for (uploaded or matched by
// this queue, or listed in the item's Replaces). If there is one, that is
// the upload: it is not sent again. Otherwise it is sent.
//
// Krea may not echo the description (package dedupe; dedupe.go here): then the
// name is looked for in the hosted URL (".../<uuid>/<ms>-<name>",
// HostedName); an asset carrying another name is never taken; one that
// carries no name at all is taken only when its size_bytes is known and
// equal (a named one wins) and, when the Uploader can fetch hosted bytes
// (api.Client), its bytes are the spool's. Assets this queue made are
// remembered across restarts (internal/journal, Dir/claimed.log) with
// the item that made them, never taken for another item, and taken first
// by that item (the answer came; the crash came before its record). The
// created asset's id cannot be journaled before a crash that loses the
// answer: only the answer carries it.
//
// Limits: the API has no idempotency key and echoes nothing we could mark
// an upload with, so the match is by name, size and time. It goes wrong
// only if another client uploads a same-named (with no name echoed: any),
// same-sized file to the same account inside that window (the queue then
// takes that asset for its own upload and does not send; its bytes may
// differ), or if
// the server creates the asset after the listing that found nothing (a
// request still being processed long after the client gave up): then there
// are two. Clocks more than Skew apart make the check miss (a duplicate),
// never lose a file.
//
// # Failures and retries
//
// Transient failures (api.Temporary: 429, 5xx, network; and client
// timeouts) are retried with exponential backoff and ±50% jitter
// (MinBackoff doubling up to MaxBackoff). After MaxAttempts failures in a
// row, waiters get the error (*UploadError, Permanent false) and the item
// pauses for RoundPause, then starts another round - forever; it is never
// dropped. Permanent refusals (other 4xx: 400 bad type, 402 credits, 413
// too large, 401/403) make the item Failed: the spool stays, the log says
// why, Observer.Refused is told (once per refusal), Items() shows it
// (State Failed, Err), Wait returns the error
// (errors.Is works with the api sentinels, also after a restart), and only
// Cancel (rm), Retry or a rewrite (OpenWrite + Release) changes that.
//
// # Wait (fsync)
//
// Wait on a Pending item starts it now and returns nil once uploaded and
// Observer.Uploaded has returned, or its error as above (once
// Observer.Refused has returned, for a refusal). On an item open for
// writing or Held it fsyncs the spool and returns nil (durable locally;
// uploaded after the last close). Failed: its error at once. Cancelled:
// ErrCanceled. Unknown or finished: nil. WaitAll does this for every Pending, Uploading or
// Uploaded item and joins the errors. Both honour ctx.
//
// # Drain (drain.go)
//
// Drain is the unmount's "send it all now": from then on nothing waits
// for Delay (a Release during or after it makes the item due at once),
// every Pending item, pending delete and item waiting for a retry is
// started now, and Drain returns once Backlog (Pending and Uploading
// files, deletes not done) is empty, or when ctx is done. Transient
// failures are still retried with backoff. Files open for writing, Held
// and Failed items are not waited for (Backlog lists the open ones apart).
//
// # Close
//
// Close stops scheduling, lets running uploads finish until ctx expires,
// then aborts them (their intents stay: the next Open checks before
// re-sending) and releases Dir. Everything unfinished stays journaled.
//
// # Consistency rules
//
//   - Items, Lookup and Shadowed are snapshots; an item may move on right
//     after. A Visible item is the truth for its name until its upload
//     succeeded; from Observer.Uploaded on, the asset is (the item goes Uploaded,
//     not Visible, then disappears).
//   - Observer.Uploaded runs before Wait returns and before the spool and
//     the replaced assets are deleted; it may run again for the same
//     upload after a crash. Observer.Refused runs once per refusal (the
//     journal has it), before Wait returns it, and once per Start for each
//     item already Failed. Neither may call Wait (deadlock); both should
//     be quick. No queue lock is held: they may call Items.
//   - Options.Hold is called with the queue lock held: a pure function of
//     the name.
//
// # Locking
//
// Queue.mu guards the queue's maps and every item's fields; item.pmu
// serialises the journal writes and spool generation changes of one item;
// order pmu -> Queue.mu -> Stream.mu; arrived.Lister's lock is a leaf. No lock is held during
// network calls or callbacks. Details at the top of queue.go.
package queue
