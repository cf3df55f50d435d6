package cache

// Locking: Store.mu guards every mutable field of the Store (lru, usage,
// nextInc, dirty, closed) and every mutable field of every object, download
// and Reader (present, size, pins, downloads, f, changed, doomed, ...).
// One mutex keeps the bookkeeping simple; it is never held across network
// I/O or data-file reads and writes, only across a few cheap syscalls
// (open, fstat, unlink of one data file). Functions named ...Locked need it
// held. Store.flushMu serialises index writes (persist); it is taken before
// Store.mu, never while holding it.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/cache/internal/durable"
	"github.com/kreafs/kreafs/cache/internal/index"
	"github.com/kreafs/kreafs/cache/internal/ranges"
	"github.com/kreafs/kreafs/cache/internal/readahead"
)

// Fetcher downloads (a range of) a URL. *api.Client satisfies it.
// length < 0 means "to the end". Errors match the api sentinels, and
// api.Temporary says whether a retry makes sense.
type Fetcher interface {
	Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error)
}

// Defaults for zero Options fields.
const (
	DefaultMaxBytes      = 1 << 30
	DefaultChunkSize     = 128 << 10
	DefaultReadAheadMin  = 128 << 10
	DefaultReadAhead     = 8 << 20
	DefaultStallTimeout  = 30 * time.Second
	DefaultRetries       = 3
	DefaultRetryBackoff  = 250 * time.Millisecond
	DefaultRetryWindow   = 30 * time.Second
	DefaultFlushInterval = 5 * time.Second
)

// Options configures a Store. Zero values take the defaults above.
type Options struct {
	Dir          string  // created 0700 if missing; content files 0600
	MaxBytes     int64   // bound on cached bytes (LRU eviction by bytes)
	Fetcher      Fetcher // nil: only already cached content can be read
	Log          logrus.FieldLogger
	ChunkSize    int64         // download granularity: a missing range is fetched in whole chunks
	ReadAheadMin int64         // first read-ahead window of a sequential reader (doubled while it stays sequential)
	ReadAhead    int64         // the largest read-ahead window (the ceiling); < 0 disables read-ahead
	StallTimeout time.Duration // a fetch with no progress this long fails the reads waiting on it

	Retries       int           // further attempts after a transient fetch error (< 0: none)
	RetryBackoff  time.Duration // wait before the first retry, doubled for each next one
	RetryWindow   time.Duration // no retry starts this long after a download last made progress
	FlushInterval time.Duration // how often a changed index is written to disk
}

// Errors of the store. Fetch errors are returned wrapped, so errors.Is works
// with the api sentinels (api.ErrNotFound, ...).
var (
	ErrClosed    = errors.New("cache: store closed")
	ErrStalled   = api.ErrStalled // a download got no byte for StallTimeout (same sentinel as the client's)
	ErrNoFetcher = errors.New("cache: content not cached and no fetcher configured")
)

// Store is the on-disk content store. Safe for concurrent use.
type Store struct {
	stats   storeStats     // stats.go
	link    readahead.Link // the network's round trip and rate, for the read-ahead's lead
	opt     Options
	log     logrus.FieldLogger
	dir     string
	lock    *os.File // flock on Dir/lock: one store per directory
	ctx     context.Context
	cancel  context.CancelFunc // ends every download (Close)
	wg      sync.WaitGroup     // downloads and the flusher
	flushMu sync.Mutex

	mu      sync.Mutex
	lru     *simplelru.LRU[string, *object] // every live object; oldest = least recently used
	sizes   *simplelru.LRU[string, int64]   // known sizes of keys with no object (learn_size.go)
	usage   int64                           // present bytes of live (not doomed) objects
	nextInc uint64                          // next data file incarnation
	dirty   bool                            // index changed since the last persist
	closed  bool
	noPunch bool                     // punching holes failed once: no partial eviction
	keeping map[string]chan struct{} // keys being fetched whole by Keep (keep.go); closed when done

	now     func() time.Time                                   // clock for eviction protection windows (tests replace it)
	writeAt func(f *os.File, p []byte, off int64) (int, error) // data file writes (tests inject failures)
}

// Source names an immutable piece of content and where to fetch it.
type Source struct {
	Key  string // stable id of immutable content: asset id, "job/<id>/<n>", "style/<id>/cover"...
	URL  string // where to fetch it
	Size int64  // known size or -1 (a hint: the size the server reports wins)
}

// Open opens (creating if needed) the store in o.Dir, loads the persisted
// index and drops entries whose data files are missing, shorter than the
// ranges they claim, or otherwise damaged. An unreadable index is discarded
// with a warning and the store starts empty.
func Open(o Options) (*Store, error) {
	if o.Dir == "" {
		return nil, errors.New("cache: no directory")
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	if o.ReadAhead == 0 {
		o.ReadAhead = DefaultReadAhead
	} else if o.ReadAhead < 0 {
		o.ReadAhead = 0
	}
	if o.ReadAheadMin <= 0 {
		o.ReadAheadMin = DefaultReadAheadMin
	}
	o.ReadAheadMin = min(o.ReadAheadMin, o.ReadAhead)
	if o.StallTimeout <= 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.RetryWindow <= 0 {
		o.RetryWindow = DefaultRetryWindow
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		o.Log = l
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	for _, sub := range []string{index.ObjectsDir, tmpDir} {
		if err := durable.MkdirPrivate(filepath.Join(dir, sub)); err != nil {
			return nil, err
		}
	}
	lock, err := durable.LockDir(dir)
	if errors.Is(err, durable.ErrLocked) {
		return nil, fmt.Errorf("cache: directory %s is in use by another kreafs process", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	lru, _ := simplelru.NewLRU[string, *object](math.MaxInt, nil) // ordering only: never evicts by count
	sizes, _ := simplelru.NewLRU[string, int64](maxKnownSizes, nil)
	s := &Store{opt: o, log: o.Log.WithField("component", "cache"), dir: dir, lock: lock, lru: lru, sizes: sizes, nextInc: 1, now: time.Now,
		writeAt: func(f *os.File, p []byte, off int64) (int, error) { return f.WriteAt(p, off) }}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.load()
	s.mu.Lock()
	s.evictLocked()
	s.mu.Unlock()
	s.wg.Add(1)
	go s.flusher()
	return s, nil
}

// Close stops every download (readers waiting on them get ErrClosed),
// persists the index and releases the directory. Readers still open keep
// their data files but can no longer fetch.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, o := range s.lru.Values() {
		o.notifyLocked()
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	err := s.persist()
	s.mu.Lock()
	for _, o := range s.lru.Values() {
		s.releaseLocked(o)
	}
	s.mu.Unlock()
	s.lock.Close() // releases the flock
	return err
}

// Open returns a Reader of src's content. It does no I/O; the object is
// pinned (never evicted) until the Reader is closed. A later Source for the
// same key may carry a fresher URL; it replaces the stored one.
func (s *Store) Open(src Source) *Reader {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.lru.Get(src.Key)
	if !ok {
		o = newObject(src.Key, s.fileNameLocked(src.Key), src.Size)
		if n, known := s.sizes.Peek(src.Key); known {
			o.size, o.sizeOK = n, true
		}
		if !s.closed {
			s.lru.Add(src.Key, o)
			s.sizes.Remove(src.Key) // the object holds it now
		}
	}
	if src.URL != "" {
		o.url = src.URL
	}
	if !o.sizeOK && src.Size >= 0 {
		o.size = src.Size
	}
	o.pins++
	return &Reader{s: s, o: o}
}

// Has reports what the cache holds for key: the size if known (-1 if not,
// or if nothing is cached) and whether the whole object is present.
func (s *Store) Has(key string) (size int64, complete bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.lru.Peek(key)
	if !ok {
		if n, known := s.sizes.Get(key); known {
			return n, n == 0
		}
		return -1, false
	}
	return o.size, o.completeLocked()
}

// Usage returns the bytes cached now (present ranges of every object).
func (s *Store) Usage() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usage
}

// Remove drops key's content and size (the asset is deleted, or about to be). Open
// Readers keep reading: the data file is unlinked at once, and if Readers
// have it open, the rest is fetched for them (Keep; BeforeDelete waits for
// that before the server's copy goes).
func (s *Store) Remove(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.lru.Peek(key); ok {
		s.keepLocked(o)
		s.doomLocked(o)
	}
	if s.sizes.Remove(key) {
		s.dirty = true
	}
}

// Import adopts the whole content of f (an uploaded file's spool) as the
// complete object for key, replacing whatever was cached. The content is
// copied, so f may be changed or deleted afterwards. Content larger than
// MaxBytes is not imported (it could not stay cached).
func (s *Store) Import(key string, f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cache: import %s: %w", key, err)
	}
	size := st.Size()
	if size > s.opt.MaxBytes {
		s.log.WithFields(logrus.Fields{"op": "import", "key": key, "size": size}).Debug("content larger than the cache, not imported")
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), "import-*")
	if err != nil {
		return fmt.Errorf("cache: import %s: %w", key, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op after the rename
	// Not fsynced here: the next index write does that before it records
	// the object.
	err = durable.CopyRange(tmp, f, size)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cache: import %s: %w", key, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.installLocked(key, tmpName, size) // import_link.go
}

// doomLocked takes o out of the store: it is no longer found by key (but
// its size is kept, see learn_size.go), its bytes no longer count, and its
// data file is unlinked (readers that still pin it keep the open file).
func (s *Store) doomLocked(o *object) {
	if o.doomed {
		return
	}
	if cur, ok := s.lru.Peek(o.key); ok && cur == o {
		s.lru.Remove(o.key)
		s.keepSizeLocked(o)
	}
	o.doomed = true
	s.usage -= o.present.Total()
	s.dirty = true
	if o.busyLocked() && o.f == nil {
		if _, err := s.openFileLocked(o); err != nil {
			s.log.WithFields(logrus.Fields{"op": "remove", "key": o.key}).WithError(err).Warn("cannot open data file")
		}
	}
	if err := os.Remove(s.path(o)); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.WithFields(logrus.Fields{"op": "remove", "key": o.key}).WithError(err).Warn("cannot remove data file")
	}
	if !o.busyLocked() {
		o.closeFileLocked()
	}
	o.notifyLocked()
}

// evictLocked brings usage back within MaxBytes. First it removes least
// recently used objects whole; objects pinned by a Reader or still
// downloading are skipped (and moved to the recent end, since they are in
// use). If that is not enough (an open object larger than what is left),
// it drops bytes of pinned, incomplete objects, except those readers wait
// for or were just handed (see protectedLocked), punching holes in their
// data files. Complete objects are never cut while pinned: fs may let the
// kernel read their file directly (passthrough).
func (s *Store) evictLocked() {
	for n := s.lru.Len(); s.usage > s.opt.MaxBytes && n > 0; n-- {
		key, o, ok := s.lru.GetOldest()
		if !ok {
			return
		}
		if o.busyLocked() {
			s.lru.Get(key) // in use: count it as recently used
			continue
		}
		s.log.WithFields(logrus.Fields{"op": "evict", "key": key, "bytes": o.present.Total()}).Debug("evicted")
		s.stats.evictions.Add(1)
		s.doomLocked(o)
	}
	if s.usage <= s.opt.MaxBytes || s.noPunch {
		return
	}
	now := s.now()
	for _, o := range s.lru.Values() {
		if s.usage <= s.opt.MaxBytes {
			return
		}
		if o.pins == 0 || o.f == nil || o.doomed || o.completeLocked() {
			continue
		}
		if !s.shrinkLocked(o, now) {
			return
		}
	}
}

// shedLocked evicts least recently used objects that are not in use until
// at least n bytes are freed (the disk is full), and returns the bytes
// freed.
func (s *Store) shedLocked(n int64) int64 {
	var freed int64
	for _, o := range s.lru.Values() {
		if freed >= n {
			break
		}
		if o.busyLocked() {
			continue
		}
		freed += o.present.Total()
		s.stats.evictions.Add(1)
		s.doomLocked(o)
	}
	return freed
}

// shrinkLocked drops unprotected bytes of o, from its start, until usage is
// within MaxBytes (in whole chunks where it can). False if holes cannot be
// punched here.
func (s *Store) shrinkLocked(o *object, now time.Time) bool {
	protected := o.protectedLocked(now)
	for _, r := range append(spans(nil), o.present...) {
		for _, c := range protected.Missing(r) { // unprotected parts of r
			excess := s.usage - s.opt.MaxBytes
			if excess <= 0 {
				return true
			}
			if c.Len() > excess {
				c.End = min(c.End, c.Start+ranges.AlignUp(excess, s.opt.ChunkSize))
			}
			if err := punchHole(o.f, c.Start, c.Len()); err != nil {
				s.noPunch = true
				s.log.WithField("op", "evict").WithError(err).Info("cannot punch holes in cache files: open files may keep the cache over its size until closed")
				return false
			}
			s.log.WithFields(logrus.Fields{"op": "evict", "key": o.key, "range": c.String()}).Debug("dropped part of an open object")
			s.dropLocked(o, c)
		}
	}
	return true
}

// flusher persists the index every FlushInterval while it is dirty.
func (s *Store) flusher() {
	defer s.wg.Done()
	t := time.NewTicker(s.opt.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			dirty := s.dirty
			s.mu.Unlock()
			if dirty {
				if err := s.persist(); err != nil {
					s.log.WithField("op", "persist").WithError(err).Warn("cannot write cache index")
				}
			}
		}
	}
}

// Flush writes the index now (data files of changed objects are fsynced
// first). Close does this too; Flush is for callers that want a
// checkpoint, e.g. after an upload was imported.
func (s *Store) Flush() error { return s.persist() }
