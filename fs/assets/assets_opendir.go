package assets

// Opening assets/ for reading: the kernel keeps the listing it read
// (FOPEN_CACHE_DIR) for as long as it is still the listing, so `ls` within
// the TTL costs no request at all.
//
// Without that copy, every ls -l is answered entry by entry with
// READDIRPLUS (a go-fuse Lookup per name; docs/performance.md).
//
// Locking: dirCache.kmu guards its fields (what the kernel's copy holds,
// when it was filled, and with what it is being refilled). It is never
// held with another lock, nor while calling Readdir or notifying the
// kernel. An assetsDirHandle is used by go-fuse under its own per-handle
// lock (Readdirent, Seekdir, Lookup).

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// dirCache is the state of the kernel's copy of the assets/ listing.
type dirCache struct {
	kmu       sync.Mutex
	kernelSum uint64    // checksum of the entries the kernel's copy was filled from; 0: none
	kernelAt  time.Time // when that fill ended (Config.Clock)
	filling   uint64    // checksum of the entries the copy dropped last is being refilled with
	fills     int       // listings streamed to the end (tests: the kernel's copy was not used)

	preparedUsed atomic.Int64 // READDIRPLUS lookups answered by a prepared entry (tests)

	reads listReads // opens being read: what the saved listing's write waits for (assets_reads.go)
}

func (d *assetsDir) dirCache() *dirCache { return &d.dc }

// reuse says whether the kernel's copy holds the entries of checksum sum
// and was filled within ttl before now. When not, the copy is to be
// refilled by a handle with these entries that reads to the end (not by
// an older handle still reading the dropped copy).
func (c *dirCache) reuse(sum uint64, now time.Time, ttl time.Duration) bool {
	c.kmu.Lock()
	defer c.kmu.Unlock()
	if c.kernelSum == sum && now.Sub(c.kernelAt) < ttl {
		return true
	}
	c.kernelSum, c.filling = 0, sum
	return false
}

// filled records that a handle with the entries of sum read them to the
// end: if the copy was being refilled with them, it now holds them, as of
// now (clock is read only then).
func (c *dirCache) filled(sum uint64, clock func() time.Time) {
	c.kmu.Lock()
	defer c.kmu.Unlock()
	if c.kernelSum == 0 && c.filling == sum {
		c.kernelSum, c.kernelAt = sum, clock()
	}
	c.fills++
}

// OpendirHandle opens assets/: the listing is taken now (Readdir: the
// listing cache, refreshed after the TTL, plus queued uploads), and the
// kernel may keep what it reads (FOPEN_CACHE_DIR). The kernel's copy is
// used only while it holds exactly these entries and was filled within
// DirCacheTTL (the lifetime of the names it learned with it); otherwise it
// is dropped first, and this open fills it again.
func (d *assetsDir) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	endRead := d.dc.reads.begin() // background work waits for this read (assets_reads.go)
	unwant := d.wantSizes()       // the kernel will ask for every size (assets_sizes.go)
	l, err := d.list(ctx)
	unwant()
	if err != nil {
		endRead()
		return nil, 0, node.Fail(d.r.Log, logrus.Fields{"op": "opendir", "path": "assets"}, err)
	}
	d.watched()
	h := &assetsDirHandle{d: d, list: l, endRead: endRead}
	if d.dirCache().reuse(l.Sum, d.r.Cfg.Clock(), d.r.Cfg.DirCacheTTL) {
		endRead() // the kernel reads its own copy
	} else {
		// Drop the kernel's copy (its pages) before it can be used. The
		// kernel holds no lock of assets/ while it waits for OPENDIR, so
		// waiting for the notification here cannot deadlock; the wait is
		// bounded anyway.
		d.r.NotifyWait(node.OtherEntryWait, func() { d.NotifyContent(0, 0) })
		// The kernel reads the listing from us, with READDIRPLUS.
		h.startPreparing()
	}
	return h, fuse.FOPEN_CACHE_DIR | fuse.FOPEN_KEEP_CACHE, 0
}

// assetsDirHandle is one open of assets/: the entries taken at open.
type assetsDirHandle struct {
	d     *assetsDir
	list  *view.List // read-only: may be shared with other handles (AssetTable.List)
	dots  int        // how many of "." and ".." were returned (they come first)
	pos   int        // next entry to return
	ended bool       // the end was reached once
	prep  *prepared  // entries prepared ahead (assets_prepare.go); nil: none

	endRead func() // ends this read in dirCache.reads (at the end, or at release)
}

// Lookup answers READDIRPLUS for the entry just returned: from the asset
// that entry was listed for, without looking the name up again (that
// lookup, per entry, was most of a cold ls -l of 10,000 assets). Entries
// without a known asset go through assetsDir.Lookup.
func (h *assetsDirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if i := h.pos - 1; i >= 0 && i < len(h.list.Entries) && h.list.Entries[i].Name == name && h.list.Entries[i].Asset != nil {
		return h.lookupPrepared(ctx, i, out)
	}
	return h.d.Lookup(ctx, name, out)
}

// Readdirent returns the next entry. Reaching the end means the kernel's
// copy (if this read filled it) now holds these entries.
func (h *assetsDirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	if h.dots < 2 {
		e := node.DotEntries(h.d.EmbeddedInode())[h.dots]
		h.dots++
		e.Off = uint64(h.dots)
		return &e, 0
	}
	if h.pos >= len(h.list.Entries) {
		if h.ended {
			return nil, 0
		}
		h.ended = true
		h.d.dirCache().filled(h.list.Sum, h.d.r.Cfg.Clock)
		h.endRead()
		return nil, 0
	}
	e := h.list.Entries[h.pos]
	h.pos++
	de := fuseEntry(e)
	de.Off = uint64(h.pos) + 2
	return &de, 0
}

// Seekdir moves to the entry after offset off (0: the start, as rewinddir
// does; 1 and 2 are "." and "..").
func (h *assetsDirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if off > uint64(len(h.list.Entries))+2 {
		return syscall.EINVAL
	}
	if off < 2 {
		h.dots, h.pos = int(off), 0
		return 0
	}
	h.dots, h.pos = 2, int(off)-2
	return 0
}

// Releasedir stops preparing entries, and ends the read.
func (h *assetsDirHandle) Releasedir(ctx context.Context, releaseFlags uint32) {
	if h.prep != nil {
		h.prep.end()
	}
	h.endRead()
}

// fuseEntry is entry e of a listing of assets/ (a regular file or a
// folder) for go-fuse.
func fuseEntry(e view.Entry) fuse.DirEntry {
	if e.Dir {
		return fuse.DirEntry{Name: e.Name, Mode: syscall.S_IFDIR, Ino: e.Ino}
	}
	return fuse.DirEntry{Name: e.Name, Mode: syscall.S_IFREG, Ino: e.Ino}
}

// fuseEntries converts a whole listing (Readdir without a handle).
func fuseEntries(es []view.Entry) []fuse.DirEntry {
	out := make([]fuse.DirEntry, len(es))
	for i, e := range es {
		out[i] = fuseEntry(e)
	}
	return out
}

// KernelListingFills is how many times assets/ streamed its whole listing
// to the kernel (its copy of the listing was not used), and
// PreparedLookups how many READDIRPLUS lookups a prepared entry answered:
// what the mount tests check of the kernel's directory cache.
func (r *Tree) KernelListingFills() int {
	c := r.assets.dirCache()
	c.kmu.Lock()
	defer c.kmu.Unlock()
	return c.fills
}

// PreparedLookups: see KernelListingFills.
func (r *Tree) PreparedLookups() int64 { return r.assets.dc.preparedUsed.Load() }
