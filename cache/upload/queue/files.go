package queue

// A queued file's spool: created, opened for writing again or for
// reading, and released at each close (the last one schedules the upload).

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/internal/durable"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

// spoolPoolSize is how many empty spool files the queue keeps made ahead
// of need (journal.SpoolPool): a copy of many small files creates one per
// file, a few milliseconds apart.
const spoolPoolSize = 8

// Create makes a new spool file for name, open for writing (the caller
// holds one writer: call Release when its handle closes; the caller closes
// f). Nothing is uploaded while writers are open. replaces are asset ids
// to delete once this upload succeeds (overwrite, or mv of an uploaded
// asset).
func (q *Queue) Create(name string, replaces ...string) (id string, f *os.File, err error) {
	now := q.o.Clock.Now()
	rec := record{ID: journal.NewID(), Name: name, State: stWriting, Replaces: append([]string(nil), replaces...),
		Created: now, Modified: now}
	it := &item{rec: rec, writers: 1}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return "", nil, ErrClosed
	}
	q.addLocked(it) // visible at once; Writing, so no worker touches it
	q.mu.Unlock()
	undo := func(err error) (string, *os.File, error) {
		q.mu.Lock()
		q.dropLocked(it)
		it.removed = true
		q.mu.Unlock()
		return "", nil, fmt.Errorf("upload queue: create %q: %w", name, err)
	}
	if err := it.dur.Write(q.l, rec.Clone(), false); err != nil { // durability.go
		return undo(err)
	}
	path := q.l.SpoolPath(rec.ID, 0)
	f, ok := q.pool.Take(path) // an empty file made ahead of need
	if !ok {
		f, err = durable.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		q.l.RemoveRecordUnsynced(rec.ID)
		return undo(err)
	}
	q.log.WithFields(logrus.Fields{"op": "create", "id": rec.ID, "name": name}).Debug("spool file created")
	return rec.ID, f, nil
}

// OpenWrite opens the spool of a queued item for writing again (and
// counts a writer: call Release when done; the caller closes f). With
// trunc the content is emptied. If the item is being uploaded (or an
// earlier attempt may have reached the server) the new content goes to a
// new spool generation: the running upload finishes with the old bytes
// and is then superseded. Works on Writing, Held, Pending, Uploading and
// Failed items.
func (q *Queue) OpenWrite(id string, trunc bool) (*os.File, error) {
	it, err := q.get(id)
	if err != nil {
		return nil, err
	}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil, ErrClosed
	}
	if it.removed || it.rec.State == stUploaded || it.rec.State == stCanceled {
		q.mu.Unlock()
		return nil, ErrUnknownItem
	}
	old := it.rec.Gen
	bump := (it.inflight != nil && it.inflight.Gen == old) || (it.rec.Intent != nil && it.rec.Intent.Gen == old)
	q.abortStreamLocked(it, "opened for writing again")
	q.stopTimerLocked(it)
	it.writers++
	it.early = false // written again: the save goes on, Delay after its last close
	prev := it.rec.Clone()
	q.mu.Unlock()

	gen := old
	var f *os.File
	if bump {
		gen = old + 1
		dst := q.l.SpoolPath(id, gen)
		if trunc {
			f, err = durable.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		} else if err = durable.CopyFile(dst, q.l.SpoolPath(id, old)); err == nil {
			f, err = durable.OpenFile(dst, os.O_RDWR, 0)
		}
	} else {
		flag := os.O_RDWR
		if trunc {
			flag |= os.O_TRUNC
		}
		f, err = durable.OpenFile(q.l.SpoolPath(id, old), flag, 0)
	}
	if err == nil {
		it.dur.SpoolWritten()
		q.mu.Lock()
		it.rec.Gen, it.rec.State = gen, stWriting
		it.rec.Attempts, it.rec.Err, it.rec.ErrCode = 0, "", 0
		rec := it.rec.Clone()
		q.mu.Unlock()
		if err = it.dur.Write(q.l, rec, true); err != nil {
			f.Close()
		}
	}
	if err != nil {
		if bump {
			os.Remove(q.l.SpoolPath(id, gen))
		}
		q.mu.Lock()
		it.rec = prev
		it.writers--
		if it.writers == 0 {
			q.scheduleAfterCloseLocked(it)
		}
		q.mu.Unlock()
		return nil, fmt.Errorf("upload queue: open %q for writing: %w", prev.Name, err)
	}
	q.mu.Lock()
	q.notifyLocked(it, nil) // fsync waiters: the bytes so far are durable locally
	q.mu.Unlock()
	if bump {
		q.mu.Lock()
		if it.inflight != nil && it.inflight.Gen == old {
			it.oldGens = append(it.oldGens, old) // the running upload still reads it
			old = -1
		}
		q.mu.Unlock()
		if old >= 0 {
			os.Remove(q.l.SpoolPath(id, old))
		}
	}
	q.log.WithFields(logrus.Fields{"op": "openwrite", "id": id, "name": prev.Name, "trunc": trunc, "gen": gen}).Debug("reopened for writing")
	return f, nil
}

// OpenRead opens the current spool of an item read-only (reads of a file
// that is not uploaded yet). A later OpenWrite that starts a new
// generation is not seen through this handle.
func (q *Queue) OpenRead(id string) (*os.File, error) {
	q.mu.Lock()
	it := q.items[id]
	if it == nil || it.removed || it.rec.State == stCanceled {
		q.mu.Unlock()
		return nil, ErrUnknownItem
	}
	p := q.l.SpoolPath(id, it.rec.Gen)
	q.mu.Unlock()
	return durable.Open(p)
}

// Release is called when a write handle from Create or OpenWrite closes
// (after the caller closed its *os.File). At the last one the item is
// journaled as pending (made durable with its spool in the next group
// commit, unless it is held: durability.go), and its upload scheduled
// Delay from now (unless Hold says to keep it).
func (q *Queue) Release(id string) error {
	it, err := q.get(id)
	if errors.Is(err, ErrUnknownItem) {
		return nil // cancelled (unlinked) while open: nothing to upload
	}
	if err != nil {
		return err
	}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if it.writers == 0 {
		q.mu.Unlock()
		return nil
	}
	it.writers--
	if it.writers > 0 || it.removed || it.rec.State != stWriting || q.closed {
		q.mu.Unlock()
		if q.closed {
			return ErrClosed
		}
		return nil
	}
	path := q.l.SpoolPath(id, it.rec.Gen)
	q.mu.Unlock()

	size, written := int64(0), time.Time{}
	fi, err := os.Stat(path)
	if err == nil {
		size, written = fi.Size(), fi.ModTime()
	}
	q.mu.Lock()
	it.rec.State, it.rec.Size, it.rec.Modified, it.rec.Written = stPending, size, q.o.Clock.Now(), written
	it.rec.Attempts, it.rec.Err, it.rec.ErrCode = 0, "", 0
	rec := it.rec.Clone()
	held := q.heldLocked(it)
	q.mu.Unlock()
	it.dur.SpoolWritten() // through the handles just closed
	switch {
	case err != nil:
	case held:
		err = it.dur.Write(q.l, rec, false)
	default:
		err = q.closedFinal(it, rec)
	}
	q.mu.Lock()
	if it.writers == 0 && it.rec.State == stPending {
		q.scheduleAfterCloseLocked(it)
	}
	q.mu.Unlock()
	log := q.log.WithFields(logrus.Fields{"op": "release", "id": id, "name": rec.Name, "size": size})
	if err != nil {
		log.WithError(err).Error("could not make the closed file durable; it stays queued in memory")
		return fmt.Errorf("upload queue: %w", err)
	}
	log.Debug("closed; upload scheduled")
	return nil
}
