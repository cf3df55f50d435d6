package fs

// An asset file: attributes and open.
//
// Locking: assetFile.mu guards asset, size and cachedOpens. It is never
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

// contentKey is an asset's key in the content cache.
func contentKey(id string) string { return "asset/" + id }

// assetFile is one asset. The same node serves assets/<name> and
// assets/.by-id/<id> (same inode number, so go-fuse keeps one Inode).
type assetFile struct {
	gofs.Inode
	bigStatfs
	r   *Root
	ino uint64 // its inode number (assetGens: an asset may have several)

	mu          sync.Mutex
	asset       api.Asset // latest metadata seen (listing or GET)
	size        int64     // real length once learned from the content; -1 unknown
	cachedOpens int       // open handles not in passthrough mode
	readOpens   int       // open read handles (assetHandle), passthrough or not
	passLive    bool      // a read handle got passthrough since readOpens was last 0
}

// probeMemo remembers failed size probes by asset id, for probeFailFast.
// It lives in Root, not in assetFile: the kernel forgets idle inodes, and
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

// assetEntry returns the node for a and fills out (a Lookup answer).
// Concurrent lookups of the same asset get the same Inode; its metadata is
// refreshed from a.
func (r *Root) assetEntry(ctx context.Context, parent *gofs.Inode, a *api.Asset, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ino := r.gens.ino(a.ID)
	ch := parent.NewInode(ctx, &assetFile{r: r, ino: ino, asset: *a, size: -1}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino})
	f, ok := ch.Operations().(*assetFile)
	if !ok { // an inode-number collision with another kind of node
		r.log.WithFields(logrus.Fields{"op": "lookup", "id": a.ID}).Error("inode number collision")
		return nil, syscall.EIO
	}
	f.setAsset(a)
	ttl := f.attr(ctx, &out.Attr)
	out.SetEntryTimeout(r.cfg.DirCacheTTL)
	out.SetAttrTimeout(ttl)
	return ch, 0
}

func (f *assetFile) setAsset(a *api.Asset) {
	f.mu.Lock()
	f.asset = *a
	f.mu.Unlock()
}

func (f *assetFile) snapshot() (api.Asset, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asset, f.size
}

// source is where the cache finds this asset's bytes.
func (f *assetFile) source() cache.Source {
	a, size := f.snapshot()
	if size < 0 {
		size = a.Size()
	}
	return cache.Source{Key: contentKey(a.ID), URL: a.ImageURL, Size: size}
}

// attr fills the file's attributes and returns how long the kernel may
// keep them.
func (f *assetFile) attr(ctx context.Context, out *fuse.Attr) time.Duration {
	a, _ := f.snapshot()
	size := f.knownSize(ctx)
	f.r.fileAttr(out, f.ino, size, f.r.assetMtime(&a))
	if size < 0 {
		return unknownAttrTTL
	}
	return assetAttrTTL
}

// knownSize is the asset's length: the real one once the content cache
// knows it, else size_bytes from the API, else learned by fetching the
// first byte. -1 if all of that failed.
func (f *assetFile) knownSize(ctx context.Context) int64 {
	a, learned := f.snapshot()
	if learned >= 0 {
		return learned
	}
	if n, _ := f.r.cfg.Content.Has(contentKey(a.ID)); n >= 0 {
		f.learnSize(n)
		return n
	}
	if n := a.Size(); n >= 0 {
		return n
	}
	n, err := f.probeSize(ctx, attrProbeWait)
	if err != nil {
		fail(f.r.log, logrus.Fields{"op": "getattr", "id": a.ID}, err)
		return -1
	}
	return n
}

// knownSizeOrErr is nil when the asset's size is known or can be learned,
// else why it cannot (the probe's error).
func (f *assetFile) knownSizeOrErr(ctx context.Context) error {
	a, learned := f.snapshot()
	if learned >= 0 || a.Size() >= 0 {
		return nil
	}
	if n, _ := f.r.cfg.Content.Has(contentKey(a.ID)); n >= 0 {
		f.learnSize(n)
		return nil
	}
	_, err := f.probeSize(ctx, sizeProbeTimeout)
	return err
}

// probeSize learns the size of an asset the listing gave none for, by
// reading its first byte through the cache (which records the size the
// server reports, and keeps the byte).
func (f *assetFile) probeSize(ctx context.Context, bound time.Duration) (int64, error) {
	a, _ := f.snapshot()
	if err := f.r.probes.get(a.ID, f.r.cfg.Clock(), bound); err != nil {
		return -1, err
	}
	caller := ctx
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	rd := f.r.cfg.Content.Open(f.source())
	defer rd.Close()
	_, err := rd.Ensure(ctx, 0, 1)
	n := rd.Size()
	if n < 0 && err == nil {
		err = syscall.EIO
	}
	if n < 0 {
		if caller.Err() == nil { // not an interrupted caller: remember it
			f.r.probes.put(a.ID, f.r.cfg.Clock(), bound, err)
		}
		return -1, err
	}
	f.learnSize(n)
	return n, nil
}

// learnSize records the real length. When that differs from what the
// kernel was told, its cached attributes are dropped.
func (f *assetFile) learnSize(n int64) {
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
		f.r.log.WithFields(logrus.Fields{"op": "getattr", "id": id, "size_bytes": told, "size": n}).Info("asset size differs from the API's size_bytes; using the real size")
		f.r.notifyAsync(func() { f.NotifyContent(-1, 0) })
	}
}

// Getattr reports the asset's size, mtime (uploaded_at) and mode.
func (f *assetFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if h, ok := fh.(writeHandle); ok { // opened for writing: a replacement
		return h.Getattr(ctx, out)
	}
	out.SetTimeout(f.attr(ctx, &out.Attr))
	return 0
}

// Open opens the asset for reading through the content cache. Assets
// never change, so the kernel may keep the pages it read (KEEP_CACHE); a
// fully cached file is served by the kernel from the cache file directly
// where FUSE passthrough is available. Its close needs no FLUSH request
// (NOFLUSH: there is nothing to write back), one round trip less per open.
func (f *assetFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if wantsWrite(flags) {
		return f.openWrite(ctx, flags)
	}
	// A file whose size could not be learned would read as empty (the
	// kernel reads nothing past the size it was told): fail the open
	// with the reason instead.
	if err := f.knownSizeOrErr(ctx); err != nil {
		a, _ := f.snapshot()
		return nil, 0, fail(f.r.log, logrus.Fields{"op": "open", "id": a.ID}, err)
	}
	h := f.openHandle()
	return h, fuse.FOPEN_KEEP_CACHE | fuse.FOPEN_NOFLUSH, 0
}

// Setattr: an asset's content never changes, so truncate(2) queues a
// replacement (see setattr in assets_write_file.go); a modification time
// is kept locally (mtimes.go); mode and owner are accepted and not kept.
func (f *assetFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.setattr(ctx, fh, in, out)
}
