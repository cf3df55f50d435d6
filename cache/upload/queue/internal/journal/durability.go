package journal

// Which records the queue fsyncs, and why (the mechanics: Durability and
// Committer below). Every record is written at once, so it survives a
// kill -9 (the page cache does); it is fsynced where its loss to a power
// cut would lose a file closed under a final name or upload something
// wrong. Per record (docs/reliability.md, "What a power cut loses"):
//
//   - Create (new file, open for writing): unsynced. Lost, the spool has no
//     record and Open removes it: a file open at the power cut vanishes
//     instead of being kept as interrupted; its bytes were not durable.
//   - Last close, or rename, under a temp or junk name (Held) of an item
//     with no durable record: unsynced, spool not fsynced. Held files are
//     never uploaded; one is durable after fsync(2) (Sync), as on a local
//     disk. rsync's ".NAME.XXXXXX" costs no fsync.
//   - Last close under a final name, or rename of a closed file to one,
//     with no durable record yet: written unsynced at once, and made
//     durable (spool bytes and name, record) by the group commit
//     within the queue's CommitWindow, together with every file closed
//     meanwhile. The close or rename waits for no fsync.
//   - An upload's intent: durable, after the spool's bytes and name
//     (WriteClosed), whether the commit ran yet or not, before the
//     request's body can end (the queue sends all but the file's last
//     byte meanwhile): a spool is durable before its upload can create an
//     asset, and the content cache links it as the asset's data without
//     another fsync.
//   - Every record of an item that has a durable one (OpenWrite, landed,
//     failures, retries, cancels): durable. After a reboot the log would
//     keep the durable record under an unsynced one (log.go), but that
//     could bring back a state the queue has left: an upload's intent
//     after its landing, whose asset the claimed log forbids the
//     exactly-once check to take, and the file would be sent again.
//   - Removing a finished item's record: unsynced. Brought back by a power
//     cut, the item is settled again (its owner told again, deletes redone,
//     404 counts as done), as after a kill -9 just before the removal.

import (
	"sync"
	"time"
)

// Durability is what is durable of one item's files. Its owner serialises
// the calls (the queue's item.pmu).
type Durability struct {
	Journaled   bool   // a durable record exists: later records are durable too
	SpoolSynced bool   // the spool's bytes and name are durable and unchanged since
	writeSeq    uint64 // times the spool was written (Committer)
}

// SpoolWritten notes that the spool was, or is about to be, written.
func (d *Durability) SpoolWritten() {
	d.SpoolSynced = false
	d.writeSeq++
}

// Write journals r: durably when mustSync or when a durable record exists,
// else unsynced.
func (d *Durability) Write(l Layout, r Record, mustSync bool) error {
	if !mustSync && !d.Journaled {
		return l.WriteRecordUnsynced(r)
	}
	if err := l.WriteRecord(r); err != nil {
		return err
	}
	d.Journaled = true
	return nil
}

// WriteClosed journals r, the record of a closed file, durably, with its
// spool's bytes and name made durable first unless they are already.
func (d *Durability) WriteClosed(l Layout, r Record) error {
	if !d.SpoolSynced {
		if err := l.SyncSpool(r.ID, r.Gen); err != nil {
			return err
		}
		d.SpoolSynced = true
	}
	return d.Write(l, r, true)
}

// Sync is fsync(2) of an open or held file whose record is r: the spool's
// bytes and name, and the record if no durable one exists. closed: no
// writer has it open (else a later write changes it again).
func (d *Durability) Sync(l Layout, r Record, closed bool) error {
	if err := l.SyncSpool(r.ID, r.Gen); err != nil {
		return err
	}
	if d.Journaled {
		return nil
	}
	d.SpoolSynced = closed
	return d.Write(l, r, true)
}

// Committer is the group commit of closed files: each Add'ed Commit runs
// within the window after the first one, all in one batch, and spool/ and
// the journal's log are fsynced once for the batch.
//
// A batch's records are appended before spool/ is fsynced, so another
// item's fsync of the log may make one durable just before its spool's
// name is: a power cut in that moment (a millisecond) brings the file
// back as failed ("spool file missing"), visible, instead of losing it
// silently.
//
// Locking: flushMu serialises batches; mu guards pending and timer and is
// a leaf.
type Committer struct {
	l      Layout
	window time.Duration
	onErr  func(error) // a directory fsync failed

	flushMu sync.Mutex
	mu      sync.Mutex
	pending []Commit
	timer   *time.Timer
}

// Commit is one file's part of a batch, called by Flush with no lock of
// the Committer's held: it makes the file's bytes durable and appends its
// record (CommitWrite), or does nothing and returns nil. The returned
// func is called once spool/ and the log were fsynced (ok: both
// succeeded).
type Commit func() (after func(ok bool))

// NewCommitter returns a Committer over l.
func NewCommitter(l Layout, window time.Duration, onErr func(error)) *Committer {
	return &Committer{l: l, window: window, onErr: onErr}
}

// Add hands c to the next batch.
func (c *Committer) Add(cm Commit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, cm)
	if c.timer == nil {
		c.timer = time.AfterFunc(c.window, c.Flush)
	}
}

// Hurry makes the pending batch run now (in the window's goroutine),
// rather than at the end of its window.
func (c *Committer) Hurry() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Reset(0)
	}
}

// Flush runs the pending Commits now, then fsyncs spool/ and the log once.
func (c *Committer) Flush() {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	c.mu.Lock()
	batch := c.pending
	c.pending = nil
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
	var afters []func(bool)
	for _, cm := range batch {
		if after := cm(); after != nil {
			afters = append(afters, after)
		}
	}
	if len(afters) == 0 {
		return
	}
	serr := c.l.syncDir(c.l.spoolDir, c.l.Spool)
	jerr := c.l.SyncJournal()
	for _, err := range []error{serr, jerr} {
		if err != nil && c.onErr != nil {
			c.onErr(err)
		}
	}
	for _, after := range afters {
		after(serr == nil && jerr == nil)
	}
}

// CommitWrite is a Commit's work on d and its record r: the spool's bytes
// fsynced, the record appended (Flush fsyncs spool/ and the log). It
// returns the mark that Committed takes.
func (d *Durability) CommitWrite(l Layout, r Record) (uint64, error) {
	if err := l.Fsync.SyncFile(l.SpoolPath(r.ID, r.Gen)); err != nil {
		return 0, err
	}
	if err := l.WriteRecordDeferred(r); err != nil {
		return 0, err
	}
	d.Journaled = true
	return d.writeSeq, nil
}

// Committed notes that the directories of a CommitWrite that returned mark
// were fsynced (ok), so the spool is durable unless written since.
func (d *Durability) Committed(mark uint64, ok bool) {
	if ok && d.writeSeq == mark {
		d.SpoolSynced = true
	}
}
