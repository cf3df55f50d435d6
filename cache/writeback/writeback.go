package writeback

// Locking (see also doc.go):
//
//   - item.pmu serialises the operations on one item that write its journal
//     record or change its spool generations (Create/OpenWrite/Release/
//     Rename/Cancel/Retry and the workers' journal writes). It is held
//     across disk I/O, never across network calls or callbacks.
//   - Queue.mu guards Queue.items, ready, claimed, closed and every field of
//     every item except pmu. It is never held across disk or network I/O
//     (the one exception is Options.Hold, which must be a pure function)
//     or callbacks.
//   - Order: item.pmu before Queue.mu before Stream.mu (stream.go);
//     lister.mu is a leaf. Never two items' pmu at once. Functions named
//     ...Locked need Queue.mu held.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// Uploader is the part of the API client the queue uses; *api.Client
// satisfies it. UploadAsset gets the spool's *os.File at offset 0, with
// filename and description both the item's name.
type Uploader interface {
	UploadAsset(ctx context.Context, file io.Reader, filename, description string) (*api.Asset, error)
	DeleteAsset(ctx context.Context, id string) error
	AllAssets(ctx context.Context) ([]api.Asset, error)
}

var _ Uploader = (*api.Client)(nil)

// Options configure a Queue. Zero values get the defaults in brackets.
type Options struct {
	Dir      string   // spool and journal live here (created 0700; files 0600)
	Uploader Uploader // required

	// Delay: an upload starts this long after the last Release (close).
	// 0 means at close.
	Delay time.Duration

	Workers     int           // parallel uploads and deletes [4]
	MaxAttempts int           // transient failures in a row before waiters are told and the item pauses [5]
	MinBackoff  time.Duration // first retry delay, doubled per failure, ±50% jitter [1s]
	MaxBackoff  time.Duration // cap of the retry delay [1m]
	RoundPause  time.Duration // pause after MaxAttempts failures before the next round [5m]
	Skew        time.Duration // clock tolerance when matching an interrupted upload to an asset [2m]

	// Streams is how many speculative uploads (StartStream, stream.go)
	// may run at once [2]; negative disables them.
	Streams int
	// StreamIdle: a speculative upload whose file gets no new bytes for
	// this long (while open, or waiting for the delay) is given up [30s].
	StreamIdle time.Duration

	// Hold, if set, is asked whether an item with this name must be kept
	// local for now (temp names, .DS_Store, ...). It is called with the
	// queue's lock held: it must be a pure, fast function of the name.
	Hold func(name string) bool

	// OnUploaded is called once per successful upload (again after a
	// crash that happened before the item was cleaned up), from a worker,
	// with no queue lock held, before the spool file is deleted and before
	// replaced assets are deleted: the place to update listings and to
	// import it.Spool into the content cache. Wait returns only after it.
	OnUploaded func(it Item, a *api.Asset)

	Log   logrus.FieldLogger // [logrus.StandardLogger()]
	Clock Clock              // [the real clock]
}

// Queue is the durable write-back upload queue. See the package doc.
type Queue struct {
	o    Options
	l    layout
	log  logrus.FieldLogger
	lock *os.File
	lst  *lister

	ctx  context.Context // network calls; cancelled when Close gives up waiting
	stop context.CancelFunc
	wg   sync.WaitGroup // workers
	swg  sync.WaitGroup // speculative uploads' requests (stream.go)

	mu         sync.Mutex
	work       *sync.Cond // signalled when ready grows or closed is set
	items      map[string]*item
	ready      []*item
	claimed    map[string]bool // asset ids uploaded or matched by this queue (also before a restart: claimed.go)
	cl         *claimedLog     // claimed, on disk
	streams    int             // speculative uploads running
	streamsOff bool            // the API did not take one: no more (stream.go)
	draining   bool            // Drain was called: no Delay any more (drain.go)
	closed     bool
}

type item struct {
	pmu sync.Mutex // see the locking note at the top

	// All below guarded by Queue.mu.
	rec        record
	writers    int
	timer      Timer
	seq        uint64    // invalidates fired-but-stale timer callbacks
	due        time.Time // when the timer fires (zero if none)
	queued     bool      // in Queue.ready
	running    bool      // a worker has it
	rerun      bool      // enqueue again when the running worker is done
	inflight   *intent   // gen/name of the upload a worker is doing
	oldGens    []int     // spool generations to delete once no upload reads them
	checkAfter uint64    // lister mark taken after an ambiguous attempt: listings must be newer
	notified   bool      // OnUploaded called in this process
	removed    bool      // finished or dropped; never persist again
	stream     *Stream   // speculative upload not yet committed (stream.go)
	waiters    []chan error
}

// Open loads the journal in o.Dir, takes the directory's lock and resumes
// pending work in the background.
func Open(o Options) (*Queue, error) {
	if o.Dir == "" || o.Uploader == nil {
		return nil, errors.New("writeback: Options.Dir and Options.Uploader are required")
	}
	setDefaults(&o)
	l, err := newLayout(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("writeback: %w", err)
	}
	lock, err := durable.LockDir(l.dir)
	if errors.Is(err, durable.ErrLocked) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("writeback: %w", err)
	}
	q := &Queue{o: o, l: l, log: o.Log.WithField("component", "writeback"), lock: lock,
		items: map[string]*item{}, claimed: map[string]bool{}}
	q.work = sync.NewCond(&q.mu)
	q.ctx, q.stop = context.WithCancel(context.Background())
	q.lst = &lister{fetch: o.Uploader.AllAssets}
	if err := q.load(); err != nil {
		lock.Close()
		return nil, err
	}
	if err := q.loadClaimed(); err != nil {
		lock.Close()
		return nil, err
	}
	q.mu.Lock()
	for _, it := range q.items {
		switch it.rec.State {
		case stPending, stUploaded, stCanceled:
			q.enqueueLocked(it)
		}
	}
	q.mu.Unlock()
	for i := 0; i < o.Workers; i++ {
		q.wg.Add(1)
		go q.worker()
	}
	return q, nil
}

func setDefaults(o *Options) {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, time.Minute)
	def(&o.RoundPause, 5*time.Minute)
	def(&o.Skew, 2*time.Minute)
	if o.Delay < 0 {
		o.Delay = 0
	}
	if o.Streams == 0 {
		o.Streams = 2
	}
	def(&o.StreamIdle, 30*time.Second)
	if o.Log == nil {
		o.Log = logrus.StandardLogger()
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
}

// load turns the journal into items, repairing what a crash left behind.
func (q *Queue) load() error {
	recs, bad, err := q.l.loadRecords()
	if err != nil {
		return fmt.Errorf("writeback: read journal: %w", err)
	}
	for _, b := range bad {
		q.log.WithField("op", "load").Errorf("damaged journal record set aside (its spool file is kept): %s", b)
	}
	gens, err := q.l.spoolGens()
	if err != nil {
		return fmt.Errorf("writeback: read spool: %w", err)
	}
	known := map[string]bool{}
	for _, r := range recs {
		known[r.ID] = true
		it := &item{rec: r} // checkAfter 0: any listing from now on will do
		log := q.log.WithFields(logrus.Fields{"op": "load", "id": r.ID, "name": r.Name})
		have := false
		for _, g := range gens[r.ID] {
			if g == r.Gen {
				have = true
			} else {
				os.Remove(q.l.spoolPath(r.ID, g)) // never handed out, or superseded
			}
		}
		size := int64(-1)
		if fi, err := os.Stat(q.l.spoolPath(r.ID, r.Gen)); err == nil {
			size = fi.Size()
		}
		changed := true
		switch {
		case r.State == stWriting && size <= 0 && r.Intent == nil && len(r.Replaces) == 0:
			log.Info("dropping empty file that was still open when kreafs stopped")
			q.l.removeRecord(r.ID)
			os.Remove(q.l.spoolPath(r.ID, r.Gen))
			continue
		case r.State == stWriting:
			log.Warn("file was open for writing when kreafs stopped; kept as failed, not uploaded")
			it.rec.State, it.rec.Size = stFailed, max(size, 0)
			it.rec.setFailure(ErrInterrupted)
		case r.State == stPending && !have:
			log.Error("spool file of a pending upload is missing; marked failed")
			it.rec.State = stFailed
			it.rec.setFailure(ErrSpoolLost)
		case r.State == stFailed && accountRefusal(r.ErrCode):
			log.WithField("status", r.ErrCode).Info("retrying upload refused for an account reason")
			it.rec.State, it.rec.Attempts = stPending, 0
		default:
			changed = false
		}
		if changed {
			if err := q.l.writeRecord(it.rec.clone()); err != nil {
				return fmt.Errorf("writeback: %w", err)
			}
		}
		q.items[r.ID] = it
	}
	for id, gs := range gens {
		if known[id] {
			continue
		}
		if _, err := os.Stat(q.l.recordPath(id) + ".corrupt"); err == nil {
			continue
		}
		for _, g := range gs { // the record went first: the item was finished
			os.Remove(q.l.spoolPath(id, g))
		}
	}
	n := 0
	for _, it := range q.items {
		if it.rec.State == stPending {
			n++
		}
	}
	if n > 0 {
		q.log.WithField("op", "load").Infof("resuming %d pending upload(s)", n)
	}
	return nil
}

// accountRefusal: failures that depend on the account, not the file, are
// retried at the next Open (the user may have fixed the token or credits).
func accountRefusal(status int) bool {
	return status == 401 || status == 402 || status == 403
}

// Create makes a new spool file for name, open for writing (the caller
// holds one writer: call Release when its handle closes; the caller closes
// f). Nothing is uploaded while writers are open. replaces are asset ids
// to delete once this upload succeeds (overwrite, or mv of an uploaded
// asset).
func (q *Queue) Create(name string, replaces ...string) (id string, f *os.File, err error) {
	now := q.o.Clock.Now()
	rec := record{ID: newID(), Name: name, State: stWriting, Replaces: append([]string(nil), replaces...),
		Created: now, Modified: now}
	it := &item{rec: rec, writers: 1}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return "", nil, ErrClosed
	}
	q.items[rec.ID] = it // visible at once; Writing, so no worker touches it
	q.mu.Unlock()
	undo := func(err error) (string, *os.File, error) {
		q.mu.Lock()
		delete(q.items, rec.ID)
		it.removed = true
		q.mu.Unlock()
		return "", nil, fmt.Errorf("writeback: create %q: %w", name, err)
	}
	if err := q.l.writeRecord(rec.clone()); err != nil {
		return undo(err)
	}
	f, err = os.OpenFile(q.l.spoolPath(rec.ID, 0), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		q.l.removeRecord(rec.ID)
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
	prev := it.rec.clone()
	q.mu.Unlock()

	gen := old
	var f *os.File
	if bump {
		gen = old + 1
		dst := q.l.spoolPath(id, gen)
		if trunc {
			f, err = os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		} else if err = durable.CopyFile(dst, q.l.spoolPath(id, old)); err == nil {
			f, err = os.OpenFile(dst, os.O_RDWR, 0)
		}
	} else {
		flag := os.O_RDWR
		if trunc {
			flag |= os.O_TRUNC
		}
		f, err = os.OpenFile(q.l.spoolPath(id, old), flag, 0)
	}
	if err == nil {
		q.mu.Lock()
		it.rec.Gen, it.rec.State = gen, stWriting
		it.rec.Attempts, it.rec.Err, it.rec.ErrCode = 0, "", 0
		rec := it.rec.clone()
		q.mu.Unlock()
		if err = q.l.writeRecord(rec); err != nil {
			f.Close()
		}
	}
	if err != nil {
		if bump {
			os.Remove(q.l.spoolPath(id, gen))
		}
		q.mu.Lock()
		it.rec = prev
		it.writers--
		if it.writers == 0 {
			q.scheduleAfterCloseLocked(it)
		}
		q.mu.Unlock()
		return nil, fmt.Errorf("writeback: open %q for writing: %w", prev.Name, err)
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
			os.Remove(q.l.spoolPath(id, old))
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
	p := q.l.spoolPath(id, it.rec.Gen)
	q.mu.Unlock()
	return os.Open(p)
}

// Release is called when a write handle from Create or OpenWrite closes
// (after the caller closed its *os.File). At the last one the spool is
// fsynced, the item journaled as pending, and its upload scheduled Delay
// from now (unless Hold says to keep it).
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
	path := q.l.spoolPath(id, it.rec.Gen)
	q.mu.Unlock()

	size := int64(0)
	fi, err := os.Stat(path)
	if err == nil {
		size = fi.Size()
		err = durable.SyncFile(path)
	}
	if err == nil {
		err = durable.SyncDir(q.l.spool)
	}
	q.mu.Lock()
	it.rec.State, it.rec.Size, it.rec.Modified = stPending, size, q.o.Clock.Now()
	it.rec.Attempts, it.rec.Err, it.rec.ErrCode = 0, "", 0
	rec := it.rec.clone()
	q.mu.Unlock()
	if werr := q.l.writeRecord(rec); err == nil {
		err = werr
	}
	q.mu.Lock()
	if it.writers == 0 && it.rec.State == stPending {
		q.scheduleAfterCloseLocked(it)
	}
	q.mu.Unlock()
	log := q.log.WithFields(logrus.Fields{"op": "release", "id": id, "name": rec.Name, "size": size})
	if err != nil {
		log.WithError(err).Error("could not make the closed file durable; it stays queued in memory")
		return fmt.Errorf("writeback: %w", err)
	}
	log.Debug("closed; upload scheduled")
	return nil
}

// Rename re-targets a queued item to newName and adds replaces (asset ids
// the new name overwrites) to the assets deleted after its upload. If it
// is being uploaded under the old name, that upload is superseded: when it
// ends, the item is uploaded again under newName and the asset just made
// is deleted. A rename does not move the upload time, except that a Held
// item renamed to a name that is not held is scheduled for its last
// close + Delay (or now, if that has passed).
func (q *Queue) Rename(id, newName string, replaces ...string) error {
	it, err := q.get(id)
	if err != nil {
		return err
	}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if it.removed || it.rec.State == stUploaded || it.rec.State == stCanceled {
		q.mu.Unlock()
		return ErrUnknownItem
	}
	old := it.rec.Name
	if newName != old {
		q.abortStreamLocked(it, "renamed")
	}
	it.rec.Name = newName
	for _, r := range replaces {
		it.rec.Replaces = addID(it.rec.Replaces, r)
	}
	if it.rec.State == stPending && it.writers == 0 && !it.running {
		if q.heldLocked(it) {
			q.stopTimerLocked(it)
			q.notifyLocked(it, nil) // kept local: durable, not uploaded
		} else if it.timer == nil && !it.queued {
			q.scheduleAfterCloseLocked(it)
		}
	}
	rec := it.rec.clone()
	q.mu.Unlock()
	q.log.WithFields(logrus.Fields{"op": "rename", "id": id, "name": newName, "from": old}).Debug("re-targeted")
	return q.l.writeRecord(rec)
}

// Cancel drops a queued item (rm of a file that is not uploaded): its
// spool is deleted, waiters get ErrCanceled, and the assets it replaces
// are deleted in the background (they were shown under its name), as is
// the asset of an upload of it that was running or may have reached the
// server. Unknown ids are not an error. Items already Uploaded are assets
// now: delete those with DeleteAssets.
func (q *Queue) Cancel(id string) error {
	it, err := q.get(id)
	if err != nil {
		if errors.Is(err, ErrUnknownItem) {
			return nil
		}
		return err
	}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if it.removed || it.rec.State == stCanceled {
		q.mu.Unlock()
		return nil
	}
	if it.rec.State == stUploaded {
		q.mu.Unlock()
		return ErrUnknownItem
	}
	q.abortStreamLocked(it, "removed")
	q.stopTimerLocked(it)
	it.rec.State = stCanceled
	q.notifyLocked(it, ErrCanceled)
	var drop []int
	for _, g := range append(it.oldGens, it.rec.Gen) {
		if it.inflight != nil && it.inflight.Gen == g {
			it.oldGens = append(it.oldGens[:0:0], g)
		} else {
			drop = append(drop, g)
		}
	}
	cleanup := len(it.rec.Replaces) > 0 || it.inflight != nil || it.rec.Intent != nil
	if !cleanup {
		it.removed = true
		delete(q.items, id)
	}
	rec := it.rec.clone()
	q.mu.Unlock()
	q.log.WithFields(logrus.Fields{"op": "cancel", "id": id, "name": rec.Name}).Info("queued upload canceled")
	if cleanup {
		err = q.l.writeRecord(rec)
	} else {
		err = q.l.removeRecord(id)
	}
	for _, g := range drop {
		os.Remove(q.l.spoolPath(id, g))
	}
	if cleanup {
		q.mu.Lock()
		q.enqueueLocked(it)
		q.mu.Unlock()
	}
	return err
}

// Retry puts a Failed item back in the queue, due now.
func (q *Queue) Retry(id string) error {
	it, err := q.get(id)
	if err != nil {
		return err
	}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if it.rec.State != stFailed || it.removed {
		q.mu.Unlock()
		return nil
	}
	it.rec.State, it.rec.Attempts = stPending, 0
	rec := it.rec.clone()
	q.mu.Unlock()
	if err := q.l.writeRecord(rec); err != nil {
		return err
	}
	q.mu.Lock()
	q.enqueueLocked(it)
	q.mu.Unlock()
	return nil
}

// DeleteAssets durably deletes uploaded assets in the background (rm of
// an uploaded file): the ids are journaled first, retried on transient
// failures and across restarts; 404 counts as done. name is for logs and
// Items. It returns an item id that Wait accepts.
func (q *Queue) DeleteAssets(name string, ids ...string) (string, error) {
	now := q.o.Clock.Now()
	rec := record{ID: newID(), Name: name, State: stCanceled, Delete: true,
		Replaces: append([]string(nil), ids...), Created: now, Modified: now}
	it := &item{rec: rec}
	it.pmu.Lock()
	defer it.pmu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return "", ErrClosed
	}
	q.items[rec.ID] = it // not queued before it is journaled
	q.mu.Unlock()
	if err := q.l.writeRecord(rec.clone()); err != nil {
		q.mu.Lock()
		delete(q.items, rec.ID)
		it.removed = true
		q.mu.Unlock()
		return "", fmt.Errorf("writeback: delete %q: %w", name, err)
	}
	q.mu.Lock()
	q.enqueueLocked(it)
	q.mu.Unlock()
	q.log.WithFields(logrus.Fields{"op": "delete", "id": rec.ID, "name": name, "assets": len(ids)}).Debug("delete queued")
	return rec.ID, nil
}

// Wait is fsync(2) of a queued file. For a Pending item it starts the
// upload now (skipping the rest of the delay) and returns when it
// succeeded (nil), failed for good (*UploadError, Permanent), or failed
// MaxAttempts times in a row (*UploadError, not Permanent: the item stays
// queued). For a Failed item it returns its error at once. For an item
// open for writing or Held it fsyncs the spool and returns nil: the bytes
// are durable locally, and are uploaded after the last close. Unknown ids
// (already uploaded and forgotten) give nil; Canceled ones ErrCanceled
// (DeleteAssets items: the outcome of the deletes).
func (q *Queue) Wait(ctx context.Context, id string) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	it := q.items[id]
	if it == nil || it.removed {
		q.mu.Unlock()
		return nil
	}
	switch q.stateLocked(it) {
	case Writing, Held:
		p := q.l.spoolPath(id, it.rec.Gen)
		q.mu.Unlock()
		return durable.SyncFile(p)
	case Failed:
		err := it.rec.failure()
		q.mu.Unlock()
		return err
	case Canceled:
		if !it.rec.Delete {
			q.mu.Unlock()
			return ErrCanceled
		}
	case Uploaded:
		if it.notified {
			q.mu.Unlock()
			return nil
		}
	}
	ch := q.subscribeLocked(it)
	q.mu.Unlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// subscribeLocked registers a waiter for the item's next outcome and
// makes the item due now (unless a worker has it already).
func (q *Queue) subscribeLocked(it *item) chan error {
	ch := make(chan error, 1)
	it.waiters = append(it.waiters, ch)
	if !it.running {
		q.enqueueLocked(it)
	}
	return ch
}

// WaitAll is fsync(2) of the directory: it starts every Pending upload
// (and pending delete) now and waits for all of them as Wait does,
// returning their errors joined. Items open for writing, Held or already
// Failed before the call are not waited for.
func (q *Queue) WaitAll(ctx context.Context) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	var chans []chan error
	for _, it := range q.items {
		if it.removed {
			continue
		}
		switch q.stateLocked(it) {
		case Pending, Uploading:
		case Uploaded:
			if it.notified {
				continue
			}
		case Canceled:
			if !it.rec.Delete {
				continue
			}
		default:
			continue
		}
		chans = append(chans, q.subscribeLocked(it))
	}
	q.mu.Unlock()
	var errs []error
	for _, ch := range chans {
		select {
		case err := <-ch:
			if err != nil && !errors.Is(err, ErrCanceled) {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			return errors.Join(append(errs, ctx.Err())...)
		}
	}
	return errors.Join(errs...)
}

// Items returns every item the queue knows, oldest first.
func (q *Queue) Items() []Item {
	q.mu.Lock()
	out := make([]Item, 0, len(q.items))
	for _, it := range q.items {
		if !it.removed {
			out = append(out, q.snapshotLocked(it))
		}
	}
	q.mu.Unlock()
	for i := range out {
		if out[i].State == Writing {
			if fi, err := os.Stat(out[i].Spool); err == nil {
				out[i].Size = fi.Size()
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Get returns one item.
func (q *Queue) Get(id string) (Item, bool) {
	q.mu.Lock()
	it := q.items[id]
	if it == nil || it.removed {
		q.mu.Unlock()
		return Item{}, false
	}
	s := q.snapshotLocked(it)
	q.mu.Unlock()
	if s.State == Writing {
		if fi, err := os.Stat(s.Spool); err == nil {
			s.Size = fi.Size()
		}
	}
	return s, true
}

// Lookup returns the newest Visible item named name.
func (q *Queue) Lookup(name string) (Item, bool) {
	var best Item
	found := false
	for _, s := range q.Items() {
		if s.Name == name && s.State.Visible() {
			best, found = s, true
		}
	}
	return best, found
}

// Shadowed returns the asset ids that listings must hide: assets a queued
// item replaces (its name shows the item instead) and assets being
// deleted.
func (q *Queue) Shadowed() map[string]bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := map[string]bool{}
	for _, it := range q.items {
		for _, id := range it.rec.Replaces {
			out[id] = true
		}
	}
	return out
}

// Close stops scheduling, waits for running uploads and deletes until ctx
// is done (then aborts them: they are retried, after the exactly-once
// check, at the next Open), and releases the directory. Everything not
// finished stays in the journal. Waiters get ErrClosed. Release the FUSE
// mount first: after Close every method returns ErrClosed.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	for _, it := range q.items {
		q.abortStreamLocked(it, "queue closing")
		q.stopTimerLocked(it)
		q.notifyLocked(it, ErrClosed)
	}
	for _, it := range q.ready {
		it.queued = false
	}
	q.ready = nil
	q.work.Broadcast()
	q.mu.Unlock()

	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		// The caller says what is left (Backlog), once.
		q.log.WithField("op", "close").Info("giving up on running uploads; they resume at the next mount")
		q.stop()
		<-done
		err = fmt.Errorf("writeback: close: %w", ctx.Err())
	}
	q.stop()
	q.swg.Wait() // every stream's request has ended (aborted, or its worker is done)
	q.cl.close()
	q.lock.Close()
	return err
}

func (q *Queue) get(id string) (*item, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, ErrClosed
	}
	it := q.items[id]
	if it == nil || it.removed {
		return nil, ErrUnknownItem
	}
	return it, nil
}

// --- scheduling (all ...Locked) ---

func (q *Queue) heldLocked(it *item) bool {
	return q.o.Hold != nil && q.o.Hold(it.rec.Name)
}

func (q *Queue) stateLocked(it *item) State {
	switch it.rec.State {
	case stWriting:
		return Writing
	case stFailed:
		return Failed
	case stUploaded:
		return Uploaded
	case stCanceled:
		return Canceled
	}
	switch {
	case it.writers > 0:
		return Writing
	case it.inflight != nil:
		return Uploading
	case q.heldLocked(it):
		return Held
	}
	return Pending
}

func (q *Queue) snapshotLocked(it *item) Item {
	s := Item{
		ID: it.rec.ID, Name: it.rec.Name, Size: it.rec.Size, State: q.stateLocked(it),
		Err: it.rec.Err, Attempts: it.rec.Attempts, Replaces: append([]string(nil), it.rec.Replaces...),
		Created: it.rec.Created, Modified: it.rec.Modified, Spool: q.l.spoolPath(it.rec.ID, it.rec.Gen),
	}
	if it.timer != nil {
		s.NextTry = it.due
	}
	if it.rec.Asset != nil {
		a := *it.rec.Asset
		s.Asset = &a
	}
	return s
}

func (q *Queue) stopTimerLocked(it *item) {
	if it.timer != nil {
		it.timer.Stop()
		it.timer = nil
	}
	it.seq++
	it.due = time.Time{}
}

// scheduleLocked makes the item due at t (now or earlier: queued at once).
func (q *Queue) scheduleLocked(it *item, t time.Time) {
	q.stopTimerLocked(it)
	if q.closed || it.removed {
		return
	}
	d := t.Sub(q.o.Clock.Now())
	if d <= 0 {
		q.enqueueLocked(it)
		return
	}
	seq := it.seq
	it.due = t
	it.timer = q.o.Clock.AfterFunc(d, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if it.seq == seq {
			it.timer = nil
			q.enqueueLocked(it)
		}
	})
}

// scheduleAfterCloseLocked schedules a closed pending item for its last
// close + Delay, unless it is held.
func (q *Queue) scheduleAfterCloseLocked(it *item) {
	if it.rec.State != stPending || it.writers > 0 {
		return
	}
	if q.heldLocked(it) {
		q.stopTimerLocked(it)
		return
	}
	delay := q.o.Delay
	if q.draining {
		delay = 0
	}
	q.scheduleLocked(it, it.rec.Modified.Add(delay))
}

// enqueueLocked hands the item to the workers now.
func (q *Queue) enqueueLocked(it *item) {
	if q.closed || it.removed {
		return
	}
	if it.running {
		it.rerun = true
		return
	}
	if it.queued {
		return
	}
	q.stopTimerLocked(it)
	it.queued = true
	q.ready = append(q.ready, it)
	q.work.Signal()
}

// notifyLocked answers every Wait on the item.
func (q *Queue) notifyLocked(it *item, err error) {
	for _, ch := range it.waiters {
		ch <- err // buffered 1, sent once
	}
	it.waiters = nil
}
