// Package journal is the upload queue's on-disk state: the layout of its
// directory, the item records (one log, journal/records.log) with their
// format and checks, and the log of assets the queue made (claimed.log).
// It knows nothing of scheduling or uploads; package queue decides what to
// write and when.
//
// On-disk layout under the queue's Dir (dirs 0700, files 0600):
//
//	lock                 flock'ed while a Queue is open (package queue)
//	journal/records.log  every item's records, appended (log.go)
//	journal/<id>.log.corrupt  an item's last record, which did not decode
//	                     (set aside at Open, kept for a human)
//	journal/<id>.json, <id>.0, <id>.1   records of earlier versions of
//	                     kreafs, moved into the log at Open (legacy.go);
//	                     <id>.*.corrupt when none of them read
//	spool/<id>.<gen>     the file's bytes (written by package queue); gen
//	                     grows when a new version is written while an
//	                     older one is being uploaded
//	spool/pool-<n>       empty files made ahead of need (spool_pool.go);
//	                     a create renames one to <id>.0
//	claimed.log          "<unix ms> <asset id> <item id>" per asset the queue made
//
// # Consistency rules (durability)
//
//   - WriteRecord and RemoveRecord are durable when they return: a frame
//     appended to the log with a checksum, and fsynced (a group commit:
//     writes at the same time share one fsync). A crash leaves the old
//     record or the new one: a torn frame fails its checksum and is
//     skipped.
//   - WriteRecordDeferred appends a durable frame without waiting for its
//     fsync; the Committer calls SyncJournal for a batch of them.
//   - WriteRecordUnsynced and RemoveRecordUnsynced append frames without
//     an fsync, marked with the boot they were written in: whole across a
//     kill -9, and not trusted after a reboot (even if another write's
//     fsync took them to the disk): the item's last durable record stands
//     then or, with none, the item is gone. The queue writes unsynced
//     records only for an item that has no durable record; LoadRecords
//     then drops the item, and its spool goes with it.
//   - The log is compacted at Open and when it is mostly records no longer
//     needed (log.go): a new file, fsynced and renamed over it, then
//     journal/ fsynced. The fsyncs of journal/ and spool/ are group
//     commits (durable.GroupSync): callers at the same time share one.
//   - DecodeRecord accepts only a record of this Version with a valid id, a
//     gen >= 0, a known state, and an asset when Uploaded; an item whose
//     last trusted record does not decode is set aside at Open
//     (journal/<id>.log.corrupt) and reported, leaving its spool.
//   - ClaimedLog.Add appends one line, without an fsync (claimed.go says
//     why that is enough); SyncClaimed fsyncs the log at Open, before the
//     journal is read; OpenClaimed reads up to the first torn line, then
//     rewrites the log (atomically and durably) with the entries still
//     needed and the assets the records hold.
//   - Spool files are not written here; SpoolGens only lists them.
//
// # Locking
//
// Callers serialise the writes of one record (the queue's item.pmu). The
// log's lock (recordLog.mu) is a leaf, held during appends and
// compactions, never during an fsync. ClaimedLog.mu serialises appends;
// it is a leaf lock.
package journal
