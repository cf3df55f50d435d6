package node

// An asset file: attributes and open.
//
// Locking: File.mu guards asset, size and cachedOpens. It is never
// held across I/O (learning a size opens a cache Reader without it).

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
)

// sizeProbeTimeout bounds learning the size of an asset whose listing
// entry has none (one ranged request for its first byte) at open;
// attrProbeWait bounds it in stat, lookup and ls -l, where one unreachable
// file host must not hold up a whole listing (the request goes on in the
// cache, and the size is used once it arrives).
const (
	sizeProbeTimeout = 30 * time.Second
	attrProbeWait    = 5 * time.Second
)

// ContentKey is an asset's key in the content cache.
func ContentKey(id string) string { return cache.AssetKey(id) }

// File is the read side of one asset, or of a downloaded file of jobs/
// or styles/ (media_file.go): attributes, size learning, opens for reading
// through the content cache. The assets tree adds the write side
// (package assets); the same node serves assets/<name> and
// assets/.by-id/<id> (same inode number, so go-fuse keeps one Inode).
type File struct {
	gofs.Inode
	BigStatfs
	m   *Mount
	Ino uint64 // its inode number (assets: an asset may have several)

	// WaitReplacement waits for the queued files that replace asset id
	// (fsync of an open asset); nil: nothing replaces these files.
	WaitReplacement func(ctx context.Context, id string) error
	// Xattrs, when set, gives the extended attributes instead of the
	// asset's (xattr.go); set before the node is added.
	Xattrs func() []Xattr

	mu          sync.Mutex
	asset       api.Asset // latest metadata seen (listing or GET)
	size        int64     // real length once learned from the content; -1 unknown
	cachedOpens int       // open handles not in passthrough mode, writers included (WriterOpen), until their RELEASE ended
	readOpens   int       // open read handles (fileHandle), passthrough or not, until their RELEASE ended
	passLive    bool      // a read handle got passthrough since readOpens was last 0
}

// probeMemo remembers failed size probes by asset id, for probeFailFast.
// It lives in Mount, not in File: the kernel forgets idle inodes, and
// a new node for the same asset must not probe again at once. probeMemo.mu
// guards m; it is a leaf lock.
type probeMemo struct {
	mu sync.Mutex
	m  map[string]probeFailure
}

type probeFailure struct {
	at    time.Time // Config.Clock
	err   error
	bound time.Duration // the failed probe's wait
}

// get returns the failure of a probe of id within probeFailFast, else nil
// (dropping older ones). A probe that only ran out of a shorter wait than
// bound (stat's, for an open) does not answer: the host was slow, not
// necessarily silent, and the open waits its own bound.
func (p *probeMemo) get(id string, now time.Time, bound time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.m[id]
	if !ok {
		return nil
	}
	if now.Sub(f.at) >= probeFailFast {
		delete(p.m, id)
		return nil
	}
	if f.bound < bound && errors.Is(f.err, context.DeadlineExceeded) {
		return nil
	}
	return f.err
}

func (p *probeMemo) put(id string, now time.Time, bound time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]probeFailure{}
	}
	if len(p.m) > 10000 { // bounded: forget expired ones
		for k, f := range p.m {
			if now.Sub(f.at) >= probeFailFast {
				delete(p.m, k)
			}
		}
	}
	p.m[id] = probeFailure{at: now, err: err, bound: bound}
}

// probeFailFast is how long a failed (or too slow) size probe is the
// answer of the next ones: an ls -l, a stat and an open of the same file do
// not each wait for a file host that does not answer. A stat that was too
// slow does not fail an open (which waits longer), see probeMemo.get.
const probeFailFast = 30 * time.Second

func (f *File) SetAsset(a *api.Asset) {
	f.mu.Lock()
	f.asset = *a
	f.mu.Unlock()
}

func (f *File) Snapshot() (api.Asset, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asset, f.size
}

// source is where the cache finds this asset's bytes.
func (f *File) Source() cache.Source {
	a, size := f.Snapshot()
	if size < 0 {
		size = a.Size()
	}
	return cache.Source{Key: ContentKey(a.ID), URL: a.ImageURL, Size: size}
}

// attr fills the file's attributes and returns how long the kernel may
// keep them.
func (f *File) Attr(ctx context.Context, out *fuse.Attr) time.Duration {
	a, _ := f.Snapshot()
	size := f.knownSize(ctx)
	f.m.FileAttr(out, f.Ino, size, f.m.AssetMtime(&a))
	if size < 0 {
		return UnknownAttrTTL
	}
	return AssetAttrTTL
}

// knownSize is the asset's length: the real one once the content cache
// knows it, else size_bytes from the API, else learned by fetching the
// first byte. -1 if all of that failed.
func (f *File) knownSize(ctx context.Context) int64 {
	a, learned := f.Snapshot()
	if learned >= 0 {
		return learned
	}
	if n, _ := f.m.Cfg.Content.Has(ContentKey(a.ID)); n >= 0 {
		f.LearnSize(n)
		return n
	}
	if n := a.Size(); n >= 0 {
		return n
	}
	n, err := f.probeSize(ctx, attrProbeWait)
	if err != nil {
		Fail(f.m.Log, logrus.Fields{"op": "getattr", "id": a.ID}, err)
		return -1
	}
	return n
}

// knownSizeOrErr is nil when the asset's size is known or can be learned,
// else why it cannot (the probe's error).
func (f *File) knownSizeOrErr(ctx context.Context) error {
	a, learned := f.Snapshot()
	if learned >= 0 || a.Size() >= 0 {
		return nil
	}
	if n, _ := f.m.Cfg.Content.Has(ContentKey(a.ID)); n >= 0 {
		f.LearnSize(n)
		return nil
	}
	_, err := f.probeSize(ctx, sizeProbeTimeout)
	return err
}

// probeSize learns the size of an asset the listing gave none for, by
// reading its first byte through the cache (which records the size the
// server reports, and keeps the byte).
func (f *File) probeSize(ctx context.Context, bound time.Duration) (int64, error) {
	a, _ := f.Snapshot()
	if err := f.m.probes.get(a.ID, f.m.Cfg.Clock(), bound); err != nil {
		return -1, err
	}
	caller := ctx
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	rd := f.m.Cfg.Content.Open(f.Source())
	defer rd.Close()
	_, err := rd.Ensure(ctx, 0, 1)
	n := rd.Size()
	if n < 0 && err == nil {
		err = syscall.EIO
	}
	if n < 0 {
		if caller.Err() == nil { // not an interrupted caller: remember it
			f.m.probes.put(a.ID, f.m.Cfg.Clock(), bound, err)
		}
		return -1, err
	}
	f.LearnSize(n)
	return n, nil
}

// learnSize records the real length. When that differs from what the
// kernel was told, its cached attributes are dropped.
func (f *File) LearnSize(n int64) {
	if n < 0 {
		return
	}
	f.mu.Lock()
	prevLearned := f.size
	told := f.asset.Size()
	if prevLearned >= 0 {
		told = prevLearned
	}
	f.size = n
	id := f.asset.ID
	f.mu.Unlock()
	if told >= 0 && told != n {
		f.m.Log.WithFields(logrus.Fields{"op": "getattr", "id": id, "size_bytes": told, "size": n}).Info("asset size differs from the API's size_bytes; using the real size")
		f.m.NotifyAsync(func() { f.NotifyContent(-1, 0) })
	}
}

// NewFile is the node of asset a, numbered ino.
func NewFile(m *Mount, ino uint64, a api.Asset) *File {
	return &File{m: m, Ino: ino, asset: a, size: -1}
}

// Getattr reports the asset's size, mtime (uploaded_at) and mode.
func (f *File) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.SetTimeout(f.Attr(ctx, &out.Attr))
	return 0
}

// Open opens the asset for reading through the content cache. Assets
// never change, so the kernel may keep the pages it read (KEEP_CACHE); a
// fully cached file is served by the kernel from the cache file directly
// where FUSE passthrough is available. Its close needs no FLUSH request
// (NOFLUSH: there is nothing to write back), one round trip less per open.
func (f *File) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	// A file whose size could not be learned would read as empty (the
	// kernel reads nothing past the size it was told): fail the open
	// with the reason instead.
	if err := f.knownSizeOrErr(ctx); err != nil {
		a, _ := f.Snapshot()
		return nil, 0, Fail(f.m.Log, logrus.Fields{"op": "open", "id": a.ID}, err)
	}
	h := f.openHandle()
	return h, fuse.FOPEN_KEEP_CACHE | fuse.FOPEN_NOFLUSH, 0
}
