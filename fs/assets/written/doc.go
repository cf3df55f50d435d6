// Package written is the files written into MOUNT/assets/ (docs/writes.md):
// a queued file's node, the open handles of written files (a queued file,
// or an uploaded asset opened for writing, which becomes a queued
// replacement), and the create and rename of such files. Every decision
// about a written file is the upload session's (cache/upload); the
// adapters here turn FUSE operations into calls of the session and show
// what it reports.
//
// Package assets owns the directories: it resolves names, decides what a
// name leads to, and calls Files (Create, RenameItem, RenameAsset, Cancel,
// DeleteAsset, OpenAsset, WaitReplacement, Entry). What Files asks of
// assets/ is the three methods of Host: the name an asset is shown under,
// the node of a folder the kernel knows, and hiding removed assets.
//
// # Consistency (what can be stale, and for how long)
//
//   - A queued file's content is its spool file on disk (never memory);
//     reads are served from it. Its size and time come from the spool (or
//     from the open handle), and the kernel keeps them for uploadAttrTTL
//     (1 s): another program may be writing it.
//   - The upload is handed to the queue at the close (FLUSH) of the last
//     writer, not at RELEASE, so a sync right after close(2) waits for it;
//     a close in a process that never wrote through the handle decides
//     nothing (upload_writers.go). A handle written after its close takes
//     the file back from the queue.
//   - Once a queued file is uploaded, a node of it that the kernel still
//     holds answers from the asset (its size, its time, its bytes through
//     the content cache); a new lookup of the name finds the asset.
//   - An uploaded asset opened for writing copies its bytes into a queued
//     replacement only when something needs them (upload_lazy.go); until
//     then a time set goes to the asset, and nothing is uploaded.
//   - A queued file shows its last write's time, or one set on it (kept
//     under ItemTimeKey in node.Mount.Mtimes); once uploaded the time moves
//     to the asset (Settle) and stays.
//   - A queued file shows the mode it was created with or last chmod'ed
//     to (minus --umask), kept in memory until its upload has landed
//     (modes.go); an asset shows 0644 minus --umask.
//   - When a close or a rename changes what a name leads to, the kernel's
//     entry is dropped (NotifyNames), asynchronously and outside our locks,
//     once the tree is mounted (MarkLive).
//
// # Locking
//
// Each file with a mutex says at its top what it guards. uploadHandle.mu
// and lazyHandle.mu are per open handle and held across the calls that
// change or make the handle's file (the session, which does disk I/O;
// Host.ShownName), so that the other calls on that handle see one file;
// nothing else takes them. Files holds one lock, its modes' (modes.go),
// for a map operation and nothing else; the Host is never called with a
// lock of package assets held, and go-fuse Notify* functions run
// through node.Mount.NotifyAsync / NotifyWait.
package written
