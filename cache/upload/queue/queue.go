package queue

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
//     arrived.Lister's lock is a leaf. Never two items' pmu at once. Functions named
//     ...Locked need Queue.mu held.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/internal/durable"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/arrived"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

// Uploader is the part of the API client the queue uses; *api.Client
// satisfies it. UploadAsset gets the spool file at offset 0 (an *os.File
// read through a counter of the bytes sent, progress.go: Read, Seek and
// Len), with filename and description both the item's name.
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
	MinBackoff  time.Duration // first retry delay, doubled per failure, ±50% jitter [DefaultMinBackoff]
	MaxBackoff  time.Duration // cap of the retry delay [DefaultMaxBackoff]
	RoundPause  time.Duration // pause after MaxAttempts failures before the next round [DefaultRoundPause]
	Skew        time.Duration // clock tolerance when matching an interrupted upload to an asset [DefaultSkew]

	// Streams is how many speculative uploads (StartStream, stream.go)
	// may run at once [2]; negative disables them.
	Streams int
	// StreamIdle: a speculative upload whose file gets no new bytes for
	// this long (while open, or waiting for the delay) is given up
	// [DefaultStreamIdle].
	StreamIdle time.Duration

	// Hold, if set, is asked whether an item with this name must be kept
	// local for now (temp names, .DS_Store, ...). It is called with the
	// queue's lock held: it must be a pure, fast function of the name.
	Hold func(name string) bool

	// BeforeDelete, if set, is called before the queue deletes an asset
	// (one replaced by a new version, or removed) and returns when the
	// deletion may go ahead: the content cache fetching the rest of a
	// file that programs still have open (cache.Store.BeforeDelete). An error
	// (the queue's context ended) stops the deletion for now.
	BeforeDelete func(ctx context.Context, assetID string) error

	Log   logrus.FieldLogger // [logrus.StandardLogger()]
	Clock Clock              // [the real clock]

	fsync        durable.Syncer // every fsync of Dir's files [(*os.File).Sync]; tests count with it
	commitWindow time.Duration  // the group commit's window [CommitWindow]; tests: longer
	boot         string         // the boot the journal trusts unsynced records of [this one's]; tests: a reboot
	// afterClaim, if set, runs when a landed upload's asset is claimed,
	// before its record says so (tests: a crash in between).
	afterClaim func()
}

// Queue is the durable write-back upload queue. See the package doc.
type Queue struct {
	o    Options
	l    journal.Layout
	pool *journal.SpoolPool // empty spool files for Create
	log  logrus.FieldLogger
	lock *os.File
	lst  *arrived.Lister
	prog *progressTable // bytes sent of running uploads (progress.go)

	ctx  context.Context // network calls; cancelled when Close gives up waiting
	stop context.CancelFunc
	wg   sync.WaitGroup // workers
	swg  sync.WaitGroup // speculative uploads' requests (stream.go)

	mu         sync.Mutex
	work       *sync.Cond // signalled when ready grows or closed is set
	items      map[string]*item
	byName     map[string][]*item // items by their rec.Name: Lookup (addLocked, dropLocked, renameLocked)
	told       map[*item]struct{} // Uploaded items whose owner was told (Observer.Uploaded, in this process): Uploaded
	ready      []*item
	claimed    map[string]string   // asset id -> the item that uploaded or matched it ("": unknown), also before a restart (journal.ClaimedLog)
	cl         *journal.ClaimedLog // claimed, on disk
	streams    int                 // speculative uploads running
	streamsOff bool                // the API did not take one: no more (stream.go)
	draining   bool                // Drain was called: no Delay any more (drain.go)
	started    bool                // Start was called
	busy       int                 // workers running a job (worker.go)
	closed     bool

	obs Observer           // set by Start, before any worker runs
	com *journal.Committer // group commit of closed files (durability.go)
}

type item struct {
	pmu sync.Mutex // see the locking note at the top

	dur journal.Durability // what of it is durable (durability.go); guarded by pmu

	// All below guarded by Queue.mu.
	rec        record
	writers    int
	timer      Timer
	seq        uint64    // invalidates fired-but-stale timer callbacks
	due        time.Time // when the timer fires (zero if none)
	queued     bool      // in Queue.ready
	early      bool      // a finished save (Rename): due once durable, not after Delay (startEarly)
	running    bool      // a worker has it
	rerun      bool      // enqueue again when the running worker is done
	inflight   *intent   // gen/name of the upload a worker is doing
	oldGens    []int     // spool generations to delete once no upload reads them
	checkAfter uint64    // arrived.Lister mark taken after an ambiguous attempt: listings must be newer
	removed    bool      // finished or dropped; never persist again
	stream     *Stream   // speculative upload not yet committed (stream.go)
	waiters    []chan error
}

// Open loads the journal in o.Dir and takes the directory's lock. Nothing
// is uploaded or deleted until Start.
func Open(o Options) (*Queue, error) {
	if o.Dir == "" || o.Uploader == nil {
		return nil, errors.New("upload queue: Options.Dir and Options.Uploader are required")
	}
	setDefaults(&o)
	l, err := journal.NewLayout(o.Dir, o.fsync)
	if err != nil {
		return nil, fmt.Errorf("upload queue: %w", err)
	}
	if o.boot != "" {
		l.SetBoot(o.boot)
	}
	lock, err := durable.LockDir(l.Dir)
	if errors.Is(err, durable.ErrLocked) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("upload queue: %w", err)
	}
	q := &Queue{o: o, l: l, log: o.Log.WithField("component", "uploads"), lock: lock,
		items: map[string]*item{}, byName: map[string][]*item{}, told: map[*item]struct{}{}, claimed: map[string]string{}}
	q.work = sync.NewCond(&q.mu)
	q.ctx, q.stop = context.WithCancel(context.Background())
	q.lst = arrived.NewLister(o.Uploader.AllAssets)
	q.prog = newProgressTable()
	window := CommitWindow
	if o.commitWindow > 0 {
		window = o.commitWindow
	}
	q.com = journal.NewCommitter(l, window, func(err error) {
		q.log.WithField("op", "commit").WithError(err).Error("cannot fsync the queue's journal or spool directory; uploads fsync them again")
	})
	q.o.Uploader = q.prog.wrap(o.Uploader) // progress.go
	// The claims appended since the last Open, before the journal drops
	// removed records for good (internal/journal/claimed.go).
	if err := journal.SyncClaimed(l.Dir, l.Fsync); err != nil {
		lock.Close()
		return nil, err
	}
	if err := q.load(); err != nil {
		lock.Close()
		return nil, err
	}
	if err := q.loadClaimed(); err != nil {
		lock.Close()
		return nil, err
	}
	q.pool = l.NewSpoolPool(spoolPoolSize)
	return q, nil
}

// Observer is what the queue tells its owner, from a worker (or from
// Start), with no queue lock held. Either func may be nil.
type Observer struct {
	// Uploaded is called once per successful upload (again after a crash
	// that happened before the item was cleaned up), before the spool file
	// is deleted and before replaced assets are deleted: the place to
	// update listings and to import it.Spool into the content cache. Wait
	// returns only after it.
	Uploaded func(it Item, a *api.Asset)
	// Refused is called once per item that goes Failed (it.Err says why):
	// the API refused its upload for good, or, at Start, an item an
	// earlier run left Failed (refused, or interrupted while written).
	// A Wait for that upload returns the refusal only after it.
	Refused func(it Item)
}

// Start resumes the pending work and starts the workers, reporting to
// obs. Call Start once, after whatever obs reports to exists; the items
// already Failed are reported (obs.Refused) before it returns.
func (q *Queue) Start(obs Observer) {
	q.mu.Lock()
	if q.started || q.closed {
		q.mu.Unlock()
		return
	}
	q.started = true
	q.obs = obs
	var failed []Item
	for _, it := range q.items {
		switch it.rec.State {
		case stPending, stUploaded, stCanceled:
			q.enqueueLocked(it)
		case stFailed:
			failed = append(failed, q.snapshotLocked(it))
		}
	}
	q.mu.Unlock()
	if obs.Refused != nil {
		for _, it := range failed {
			obs.Refused(it)
		}
	}
	for i := 0; i < q.o.Workers; i++ {
		q.wg.Add(1)
		go q.worker(q.jobs())
	}
}

// Defaults of the Options' durations (docs/reliability.md lists the
// bounds they give).
const (
	// DefaultMinBackoff is the first delay before retrying a transiently
	// failed upload or delete; it doubles per failure.
	DefaultMinBackoff = time.Second
	// DefaultMaxBackoff caps that delay.
	DefaultMaxBackoff = time.Minute
	// DefaultRoundPause is the pause after MaxAttempts failures in a row,
	// before the next round of attempts.
	DefaultRoundPause = 5 * time.Minute
	// DefaultSkew is how far the server's clock may be from ours when an
	// interrupted upload is matched to an asset (exactly once).
	DefaultSkew = 2 * time.Minute
	// DefaultStreamIdle is how long a speculative upload may get no new
	// bytes before it is given up.
	DefaultStreamIdle = 30 * time.Second
)

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
	def(&o.MinBackoff, DefaultMinBackoff)
	def(&o.MaxBackoff, DefaultMaxBackoff)
	def(&o.RoundPause, DefaultRoundPause)
	def(&o.Skew, DefaultSkew)
	if o.Delay < 0 {
		o.Delay = 0
	}
	if o.Streams == 0 {
		o.Streams = 2
	}
	def(&o.StreamIdle, DefaultStreamIdle)
	if o.Log == nil {
		o.Log = logrus.StandardLogger()
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
}

// addLocked puts it in the queue's maps, under its id and its name.
func (q *Queue) addLocked(it *item) {
	q.items[it.rec.ID] = it
	q.byName[it.rec.Name] = append(q.byName[it.rec.Name], it)
}

// dropLocked takes it out of the queue's maps.
func (q *Queue) dropLocked(it *item) {
	delete(q.items, it.rec.ID)
	delete(q.told, it)
	q.unnameLocked(it)
}

// notifiedLocked: the owner was told of its upload (Observer.Uploaded).
func (q *Queue) notifiedLocked(it *item) bool {
	_, ok := q.told[it]
	return ok
}

// renameLocked gives it a new name, in its record and in byName.
func (q *Queue) renameLocked(it *item, name string) {
	if name == it.rec.Name {
		return
	}
	q.unnameLocked(it)
	it.rec.Name = name
	q.byName[name] = append(q.byName[name], it)
}

func (q *Queue) unnameLocked(it *item) {
	l := q.byName[it.rec.Name]
	if i := slices.Index(l, it); i >= 0 {
		l = slices.Delete(l, i, i+1)
	}
	if len(l) == 0 {
		delete(q.byName, it.rec.Name)
	} else {
		q.byName[it.rec.Name] = l
	}
}
