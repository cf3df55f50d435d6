// Package journal is the upload queue's on-disk state: the layout of its
// directory, the item records (journal/<id>.json) with their format and
// checks, and the log of assets the queue made (claimed.log). It knows
// nothing of scheduling or uploads; package queue decides what to write
// and when.
//
// On-disk layout under the queue's Dir (dirs 0700, files 0600):
//
//	lock                 flock'ed while a Queue is open (package queue)
//	journal/<id>.json    one record per item, replaced atomically
//	journal/<id>.json.corrupt   a record that failed to parse (kept)
//	spool/<id>.<gen>     the file's bytes (written by package queue); gen
//	                     grows when a new version is written while an
//	                     older one is being uploaded
//	claimed.log          "<unix ms> <asset id>" per asset the queue made
//
// # Consistency rules (durability)
//
//   - WriteRecord is atomic and durable when it returns: temp file, fsync,
//     rename, fsync of journal/ (cache/internal/durable). A crash leaves
//     the old record or the new one, never a mix; LoadRecords removes the
//     temp files of interrupted writes.
//   - WriteRecordUnsynced is WriteRecord without fsyncs: atomic for
//     readers and across kill -9, but a power cut may leave the old
//     record, the new one or an empty (or zero-filled) file. The queue
//     uses it only for an item that has no durable record; LoadRecords
//     removes such a record (WriteRecord never writes one), and the
//     item's spool goes with it.
//   - RemoveRecord fsyncs journal/ after the unlink; RemoveRecordUnsynced
//     does not.
//   - The fsyncs of journal/ and spool/ are group commits
//     (durable.GroupSync): callers at the same time share one.
//   - ReadRecord accepts only a record of this Version with a valid id, a
//     gen >= 0, a known state, and an asset when Uploaded; LoadRecords
//     renames any other to *.corrupt and reports it, leaving its spool.
//   - ClaimedLog.Add appends one line and fsyncs the log before it returns
//     (a group commit: Adds at the same time share one fsync);
//     OpenClaimed reads up to the first torn line, then rewrites the log
//     (atomically, as WriteRecord) with the entries still needed.
//   - Spool files are not written here; SpoolGens only lists them.
//
// # Locking
//
// No locks for records: callers serialise the writes of one record (the
// queue's item.pmu). ClaimedLog.mu serialises appends; it is a leaf lock.
package journal
