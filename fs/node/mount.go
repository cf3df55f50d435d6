package node

// Locking: Mount has one mutex-free set of fields fixed at NewMount; the
// only shared mutable state is notifyWG and bgWG (sync.WaitGroups), the
// probe memo (its own leaf lock, file.go) and the RELEASEs in progress
// (their own leaf lock, release_barrier.go).

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/cache/upload/queue"

	"github.com/kreafs/kreafs/fs/generate"
	"github.com/kreafs/kreafs/fs/view"
)

// Defaults for zero values of Config.
const (
	DefaultDirCacheTTL = 5 * time.Second
	DefaultUmask       = 0o022
	DefaultOpTimeout   = 2 * time.Minute
)

// AssetAttrTTL is how long the kernel keeps an asset file's attributes.
// Asset content never changes, so its size and mtime never do either.
const AssetAttrTTL = time.Hour

// UnknownAttrTTL is the attribute timeout while a file's size could not
// be learned (the next stat asks again).
const UnknownAttrTTL = time.Second

// Config configures the file system. Zero values mean the defaults.
type Config struct {
	// Remote is the Krea API (an *api.Client).
	Remote Remote
	// Content is the on-disk content cache that file reads go through.
	Content *cache.Store
	// DirCacheTTL is how long a directory listing (and each name in it)
	// is trusted before the API is asked again. Default DefaultDirCacheTTL.
	DirCacheTTL time.Duration
	// UID and GID own every file and directory.
	UID, GID uint32
	// Umask clears permission bits from 0644 (files) and 0755 (dirs).
	// Use UmaskSet to say that 0 is meant; otherwise 0 means DefaultUmask.
	Umask    uint32
	UmaskSet bool
	// ReadOnly refuses every change (writes, rm, mv) with EROFS.
	ReadOnly bool
	// NoGenerate refuses what would start a paid job (mkdir in jobs/ and
	// styles/, request.json, train.json) with EPERM (docs/jobs-and-styles.md,
	// "Generating").
	NoGenerate bool
	// Mountpoint is the mount's absolute path: values of a request file
	// below it are paths into the mount, and kreafs unlinks names of assets
	// deleted elsewhere through it, so that inotify watchers get IN_DELETE
	// (assets/assets_gone.go).
	Mountpoint string
	// Uploads is the upload queue that files written into assets/ go
	// through (docs/writes.md), opened and not yet started: assets.New starts
	// it, reporting its uploads to the tree. nil makes assets/ read-only
	// (EROFS for every change there), as with ReadOnly.
	Uploads *queue.Queue
	// OpTimeout bounds one metadata operation (a listing, a lookup by id,
	// a delete), so nothing waits forever. Default DefaultOpTimeout.
	OpTimeout time.Duration
	// NoPassthrough disables FUSE passthrough for fully cached files.
	NoPassthrough bool
	// StateDir keeps the last good listing of each directory, so a mount
	// started while the API is unreachable still shows its files. "" keeps
	// nothing.
	StateDir string
	// Scope names the account (the API URL): saved listings of another
	// scope are ignored.
	Scope string
	// Offline says the API could not be reached at start: the saved
	// listing is served at once (without waiting for the API) while the
	// API is retried in the background.
	Offline bool
	// WatchWindow is how long after a listing of assets/ it is listed
	// again every DirCacheTTL, so that deletions made elsewhere reach the
	// kernel and inotify (assets/assets_watch.go). 0: never.
	WatchWindow time.Duration
	// Log receives one line per event that matters; nil discards.
	Log logrus.FieldLogger
	// Clock is the time source for listing TTLs; nil means time.Now.
	Clock func() time.Time
}

// Mount is what every node of one mount shares: the configuration (with
// defaults filled in), the log, the local state, the modification times
// users set, and the goroutines of kernel notifications and background
// work.
type Mount struct {
	Cfg     Config
	Log     logrus.FieldLogger
	Started time.Time

	// State is what this machine remembers for the account (Config.StateDir).
	State *state.Dir
	// Mtimes keeps modification times users set (touch, rsync -t), which
	// the API does not store; nil without Config.StateDir (mtimes.go).
	Mtimes *state.Mtimes
	// Events is the log MOUNT/.kreafs/events shows (view.Events): every
	// tree adds the changes it sees.
	Events *view.Events

	// Resolver turns paths into the mount into hosted URLs and style ids
	// for request files (package fs sets it once the tree is built).
	Resolver generate.Resolver

	probes probeMemo // failed size probes by asset id (file.go)

	releases    releases // RELEASEs in progress (release_barrier.go)
	releaseHook func()   // tests: runs at the end of a read handle's Release

	notifyWG sync.WaitGroup // asynchronous kernel notifications in flight

	bgCtx    context.Context // cancelled by Stop: ends background work
	bgCancel context.CancelFunc
	bgWG     sync.WaitGroup // background refreshes and saves in flight
}

// NewMount checks cfg, fills in defaults and opens the local state.
func NewMount(cfg Config) (*Mount, error) {
	if cfg.Remote == nil {
		return nil, errors.New("fs: Config.Remote is required")
	}
	if cfg.Content == nil {
		return nil, errors.New("fs: Config.Content is required")
	}
	if cfg.DirCacheTTL <= 0 {
		cfg.DirCacheTTL = DefaultDirCacheTTL
	}
	if cfg.Umask == 0 && !cfg.UmaskSet {
		cfg.Umask = DefaultUmask
	}
	cfg.Umask &= 0o777
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = DefaultOpTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		// Registering a backing file needs CAP_SYS_ADMIN: go-fuse would
		// try once and give up, but the open that tried would count as
		// passthrough (file_handle.go) and refuse writes meanwhile.
		cfg.NoPassthrough = true
	}
	if cfg.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		cfg.Log = l
	}
	m := &Mount{Cfg: cfg, Log: cfg.Log, Started: cfg.Clock(), Events: view.NewEvents(EventsKept)}
	var err error
	if m.State, err = state.OpenDir(cfg.StateDir, cfg.Scope); err != nil {
		return nil, err
	}
	if m.Mtimes, err = m.State.Mtimes(); err != nil {
		return nil, err
	}
	m.bgCtx, m.bgCancel = context.WithCancel(context.Background())
	return m, nil
}

// EventsKept is how many bytes of the newest events MOUNT/.kreafs/events
// keeps.
const EventsKept = 1 << 20

// Stop ends background work and waits for it and for the kernel
// notifications still being sent, then closes the modification times log.
func (m *Mount) Stop() {
	m.bgCancel()
	m.bgWG.Wait()
	m.notifyWG.Wait()
	if err := m.State.Flush(); err != nil {
		m.Log.WithError(err).Warn("writing the saved listings")
	}
	if err := m.Mtimes.Close(); err != nil {
		m.Log.WithError(err).Warn("closing the modification times log")
	}
}

// Background runs fn on its own goroutine until it returns; Stop waits
// for it and cancels ctx.
func (m *Mount) Background(fn func(ctx context.Context)) {
	m.bgWG.Add(1)
	go func() {
		defer m.bgWG.Done()
		fn(m.bgCtx)
	}()
}

// BackgroundContext is the context of background work: cancelled by Stop.
func (m *Mount) BackgroundContext() context.Context { return m.bgCtx }

// DirAttr fills the attributes every directory of the mount shares.
func (m *Mount) DirAttr(a *fuse.Attr, mtime time.Time) {
	a.Mode = syscall.S_IFDIR | (0o755 &^ m.Cfg.Umask)
	a.Nlink = 2
	a.Owner = fuse.Owner{Uid: m.Cfg.UID, Gid: m.Cfg.GID}
	a.SetTimes(&mtime, &mtime, &mtime)
}

// FileAttr fills a regular file's attributes. size < 0 (unknown) shows 0.
func (m *Mount) FileAttr(a *fuse.Attr, ino uint64, size int64, mtime time.Time) {
	if size < 0 {
		size = 0
	}
	a.Ino = ino
	a.Mode = syscall.S_IFREG | (0o644 &^ m.Cfg.Umask)
	a.Nlink = 1
	a.Size = uint64(size)
	a.Blksize = 1 << 20
	a.Blocks = (uint64(size) + 511) / 512
	a.Owner = fuse.Owner{Uid: m.Cfg.UID, Gid: m.Cfg.GID}
	a.SetTimes(&mtime, &mtime, &mtime)
}

// OpContext bounds a metadata operation by OpTimeout, on top of the FUSE
// request's own cancellation (an interrupted caller).
func (m *Mount) OpContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, m.Cfg.OpTimeout)
}

// NotifyAsync runs fn (kernel notifications) on its own goroutine: the
// kernel may hold directory locks while it waits for the very request that
// triggered the notification, so sending it inline could deadlock. Never
// call it with one of our mutexes held that fn needs.
func (m *Mount) NotifyAsync(fn func()) {
	m.notifyWG.Add(1)
	go func() {
		defer m.notifyWG.Done()
		fn()
	}()
}

// NotifyWait is NotifyAsync, waiting at most max for fn to finish. An
// operation uses it to drop the kernel's entry in *another* directory
// (rm of .by-id/<id> drops assets/<name>), so that the caller's next
// lookup already sees the change; the wait is bounded in case the kernel
// needs a lock that the running operation holds.
func (m *Mount) NotifyWait(max time.Duration, fn func()) {
	done := make(chan struct{})
	m.NotifyAsync(func() {
		defer close(done)
		fn()
	})
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// Inode numbers are stable hashes of kind-prefixed keys (view.Ino).
func InoFor(key string) uint64 { return view.Ino(key) }

// AssetIno is the inode number of asset id (generation 0).
func AssetIno(id string) uint64 { return view.AssetIno(id) }

// DirIno is the inode number of the directory at path (from the root).
func DirIno(path string) uint64 { return InoFor("dir:" + path) }
