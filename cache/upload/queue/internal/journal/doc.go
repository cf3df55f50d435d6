// Package journal is the upload queue's on-disk state: the layout of its
// directory, the item records (journal/<id>.0 and .1) with their format
// and checks, and the log of assets the queue made (claimed.log). It knows
// nothing of scheduling or uploads; package queue decides what to write
// and when.
//
// On-disk layout under the queue's Dir (dirs 0700, files 0600):
//
//	lock                 flock'ed while a Queue is open (package queue)
//	journal/<id>.0, .1   an item's record: two slots written in place,
//	                     the valid one with the higher sequence wins
//	                     (slots.go)
//	journal/<id>.0.corrupt   slots none of which read (kept)
//	journal/<id>.json    a record of an earlier kreafs, moved into a
//	                     slot at Open
//	spool/<id>.<gen>     the file's bytes (written by package queue); gen
//	                     grows when a new version is written while an
//	                     older one is being uploaded
//	claimed.log          "<unix ms> <asset id>" per asset the queue made
//
// # Consistency rules (durability)
//
//   - WriteRecord is atomic and durable when it returns: the record is
//     written in place into the slot not holding the newest durable one,
//     with a checksum, and fsynced; journal/ too if that slot's name is
//     not durable yet (an item's first durable write makes both slots, so
//     later ones need no fsync of journal/). A crash leaves the old record
//     or the new one: a torn slot fails its checksum and the other stands.
//   - WriteRecordUnsynced is WriteRecord without fsyncs: whole across
//     kill -9, but a power cut may leave the previous durable record or,
//     for an item with none, no record: an empty, zero-filled or torn
//     slot. The queue uses it only for an item that has no durable
//     record; LoadRecords then drops the item, and its spool goes with
//     it.
//   - RemoveRecord fsyncs journal/ after unlinking the slots;
//     RemoveRecordUnsynced does not.
//   - The fsyncs of journal/ and spool/ are group commits
//     (durable.GroupSync): callers at the same time share one.
//   - DecodeRecord accepts only a record of this Version with a valid id, a
//     gen >= 0, a known state, and an asset when Uploaded; when no slot of
//     an item holds one (and not all are blank), LoadRecords renames its
//     files to *.corrupt and reports it, leaving its spool.
//   - ClaimedLog.Add appends one line and fsyncs the log before it returns
//     (a group commit: Adds at the same time share one fsync);
//     OpenClaimed reads up to the first torn line, then rewrites the log
//     (atomically, as WriteRecord) with the entries still needed.
//   - Spool files are not written here; SpoolGens only lists them.
//
// # Locking
//
// Callers serialise the writes of one record (the queue's item.pmu); the
// slot table's lock (slots.go) is a leaf, never held during I/O. ClaimedLog.mu serialises appends; it is a leaf lock.
package journal
