package queue

// Which journal writes are fsynced. A record is written durably (fsync of
// the record and of journal/, after the spool's bytes and name when the
// record says the file is closed) whenever losing it to a power cut would
// upload something wrong or lose a file the user closed under a final
// name; otherwise it is written without an fsync (it still survives a
// kill -9: the page cache does). Per record (docs/reliability.md):
//
//   - Create (a new file, open for writing): unsynced. Lost, the spool has
//     no record and Open removes it: a file that was open at the power
//     cut vanishes instead of being kept as interrupted; its bytes were
//     not durable either.
//   - The last close under a temp or junk name (Held) of an item with no
//     durable record, and renames while it stays held or open: unsynced,
//     with no fsync of the spool. Nothing held is ever uploaded; such a
//     file is durable after fsync(2) on it, as on a local disk. rsync's
//     ".NAME.XXXXXX" thus costs no fsync until its rename.
//   - The last close under a final name, and the rename of a closed file
//     to a final name (rsync's): the spool's bytes and name, then the
//     record, durably: from here on the file survives a power cut.
//   - Every record of an item that has a durable one (OpenWrite, intent,
//     landed, failures, retries, cancels): durable. An unsynced record
//     must never replace a durable one (a power cut may leave it empty).
//   - Removing the record of a finished item (uploaded, or its deletes
//     done): unsynced. Brought back by a power cut, the record is settled
//     again: onUploaded runs again and the deletes are redone (404 counts
//     as done), which is what a kill -9 before the removal does.
//
// The fsyncs of journal/ and spool/ are group commits (journal.Layout):
// records written at the same time share one directory fsync.

// writeRecord journals rec for it, durably when mustSync or when it has a
// durable record already; the caller holds it.pmu.
func (q *Queue) writeRecord(it *item, rec record, mustSync bool) error {
	if !mustSync && !it.journaled {
		return q.l.WriteRecordUnsynced(rec)
	}
	if err := q.l.WriteRecord(rec); err != nil {
		return err
	}
	it.journaled = true
	return nil
}

// writeClosedRecord journals rec of a closed item durably, with its spool
// (bytes and name) made durable first unless they are already; the caller
// holds it.pmu. Every upload's intent is written by it: a spool is durable
// before its upload starts (the content cache links it as the asset's
// data without another fsync).
func (q *Queue) writeClosedRecord(it *item, rec record) error {
	if !it.spoolSynced {
		if err := q.l.SyncSpool(rec.ID, rec.Gen); err != nil {
			return err
		}
		it.spoolSynced = true
	}
	return q.writeRecord(it, rec, true)
}

// makeDurable is fsync(2) of a file that is open or held: its bytes, and
// its record if it has no durable one yet.
func (q *Queue) makeDurable(it *item) error {
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if it.removed {
		q.mu.Unlock()
		return nil
	}
	rec, closed := it.rec.Clone(), it.writers == 0
	q.mu.Unlock()
	if err := q.l.SyncSpool(rec.ID, rec.Gen); err != nil {
		return err
	}
	if it.journaled {
		return nil
	}
	it.spoolSynced = closed // writers still open may change it (Release resets it)
	return q.writeRecord(it, rec, true)
}
