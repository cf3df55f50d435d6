package fs

// Locking: Root has one mutex-free set of fields fixed at NewRoot; the
// only shared mutable state is notifyWG (a sync.WaitGroup) and the
// children's own state. See assets_dir.go and asset_file.go for theirs.

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"

	"github.com/kreafs/kreafs/fs/view"
)

// Defaults for zero values of Config.
const (
	DefaultDirCacheTTL = 5 * time.Second
	DefaultUmask       = 0o022
	DefaultOpTimeout   = 2 * time.Minute
)

// assetAttrTTL is how long the kernel keeps an asset file's attributes.
// Asset content never changes, so its size and mtime never do either.
const assetAttrTTL = time.Hour

// unknownAttrTTL is the attribute timeout while a file's size could not
// be learned (the next stat asks again).
const unknownAttrTTL = time.Second

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
	// Uploads is the upload queue that files written into assets/ go
	// through (docs/writes.md), opened and not yet started: NewRoot starts
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
	// Log receives one line per event that matters; nil discards.
	Log logrus.FieldLogger
	// Clock is the time source for listing TTLs; nil means time.Now.
	Clock func() time.Time
}

// Root is the mount's root directory: assets/, jobs/, styles/.
type Root struct {
	gofs.Inode
	bigStatfs

	cfg     Config
	log     logrus.FieldLogger
	started time.Time

	assets   *assetsDir
	up       *uploads // write state of assets/ (holds no queue when readOnly)
	readOnly bool     // assets/ takes no change: Config.ReadOnly, or no Config.Uploads

	probes probeMemo // failed size probes by asset id (asset_file.go)
	gens   assetGens // inode generations of assets written over while read (asset_gen.go)

	// state is what this machine remembers for the account (Config.StateDir).
	state *state.Dir
	// mtimes keeps modification times users set (touch, rsync -t), which
	// the API does not store; nil without Config.StateDir (mtimes.go).
	mtimes *state.Mtimes
	// kept names files uploaded from this cache dir (names_kept.go); nil
	// without Config.StateDir.
	kept *state.Names

	notifyWG sync.WaitGroup // asynchronous kernel notifications in flight

	bgCtx    context.Context // cancelled by Close: ends background work
	bgCancel context.CancelFunc
	bgWG     sync.WaitGroup // background refreshes and saves in flight
}

// NewRoot checks cfg, fills in defaults and builds the tree's root.
func NewRoot(cfg Config) (*Root, error) {
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
		// passthrough (handle.go) and refuse writes meanwhile.
		cfg.NoPassthrough = true
	}
	if cfg.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		cfg.Log = l
	}
	r := &Root{cfg: cfg, log: cfg.Log, started: cfg.Clock()}
	var err error
	if r.state, err = state.OpenDir(cfg.StateDir, cfg.Scope); err != nil {
		return nil, err
	}
	if r.mtimes, err = r.state.Mtimes(); err != nil {
		return nil, err
	}
	if r.kept, err = r.state.Names(); err != nil {
		return nil, err
	}
	r.bgCtx, r.bgCancel = context.WithCancel(context.Background())
	r.readOnly = cfg.ReadOnly || cfg.Uploads == nil
	q := cfg.Uploads
	if r.readOnly {
		q = nil
	}
	r.up = newUploads(r, upload.NewSession(q, view.HoldName, r.log))
	r.assets = newAssetsDir(r)
	if cfg.Offline {
		r.assets.loadSaved()
	}
	if !r.readOnly {
		// The tree exists: uploads resumed from an earlier mount may
		// finish and report to it from now on.
		r.up.s.Start(r.uploaded)
	}
	return r, nil
}

// Close ends background work and waits for it and for the kernel
// notifications still being sent. Call it after the server has been
// unmounted.
func (r *Root) Close() {
	r.bgCancel()
	r.bgWG.Wait()
	r.notifyWG.Wait()
	if err := r.mtimes.Close(); err != nil {
		r.log.WithError(err).Warn("closing the modification times log")
	}
	if err := r.kept.Close(); err != nil {
		r.log.WithError(err).Warn("closing the kept names log")
	}
}

// background runs fn on its own goroutine until it returns; Close waits
// for it and cancels ctx.
func (r *Root) background(fn func(ctx context.Context)) {
	r.bgWG.Add(1)
	go func() {
		defer r.bgWG.Done()
		fn(r.bgCtx)
	}()
}

// OnAdd builds the fixed part of the tree once the root is mounted.
func (r *Root) OnAdd(ctx context.Context) {
	r.addDir(ctx, "assets", r.assets)
	r.addDir(ctx, "jobs", newJobsDir(r))
	r.addDir(ctx, "styles", newStylesDir(r))
	r.assets.onAdd(ctx)
	r.addStatusDir(ctx)
}

// addDir adds a directory child that lives as long as the mount.
func (r *Root) addDir(ctx context.Context, name string, node gofs.InodeEmbedder) {
	ch := r.NewPersistentInode(ctx, node, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: dirIno(name)})
	r.AddChild(name, ch, false)
}

// Getattr reports the root directory.
func (r *Root) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	r.dirAttr(&out.Attr, r.started)
	out.SetTimeout(r.cfg.DirCacheTTL)
	return 0
}

// Rmdir refuses to remove the mount's fixed directories.
func (r *Root) Rmdir(ctx context.Context, name string) syscall.Errno {
	return syscall.EPERM
}

// dirAttr fills the attributes every directory of the mount shares.
func (r *Root) dirAttr(a *fuse.Attr, mtime time.Time) {
	a.Mode = syscall.S_IFDIR | (0o755 &^ r.cfg.Umask)
	a.Nlink = 2
	a.Owner = fuse.Owner{Uid: r.cfg.UID, Gid: r.cfg.GID}
	a.SetTimes(&mtime, &mtime, &mtime)
}

// fileAttr fills a regular file's attributes. size < 0 (unknown) shows 0.
func (r *Root) fileAttr(a *fuse.Attr, ino uint64, size int64, mtime time.Time) {
	if size < 0 {
		size = 0
	}
	a.Ino = ino
	a.Mode = syscall.S_IFREG | (0o644 &^ r.cfg.Umask)
	a.Nlink = 1
	a.Size = uint64(size)
	a.Blksize = 1 << 20
	a.Blocks = (uint64(size) + 511) / 512
	a.Owner = fuse.Owner{Uid: r.cfg.UID, Gid: r.cfg.GID}
	a.SetTimes(&mtime, &mtime, &mtime)
}

// opContext bounds a metadata operation by OpTimeout, on top of the FUSE
// request's own cancellation (an interrupted caller).
func (r *Root) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.OpTimeout)
}

// notifyAsync runs fn (kernel notifications) on its own goroutine: the
// kernel may hold directory locks while it waits for the very request that
// triggered the notification, so sending it inline could deadlock. Never
// call it with one of our mutexes held that fn needs.
func (r *Root) notifyAsync(fn func()) {
	r.notifyWG.Add(1)
	go func() {
		defer r.notifyWG.Done()
		fn()
	}()
}

// notifyWait is notifyAsync, waiting at most max for fn to finish. An
// operation uses it to drop the kernel's entry in *another* directory
// (rm of .by-id/<id> drops assets/<name>), so that the caller's next
// lookup already sees the change; the wait is bounded in case the kernel
// needs a lock that the running operation holds.
func (r *Root) notifyWait(max time.Duration, fn func()) {
	done := make(chan struct{})
	r.notifyAsync(func() {
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
func inoFor(key string) uint64 { return view.Ino(key) }

func assetIno(id string) uint64 { return view.AssetIno(id) }
func dirIno(path string) uint64 { return inoFor("dir:" + path) }
