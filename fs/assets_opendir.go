package fs

// Opening assets/ for reading: the kernel keeps the listing it read
// (FOPEN_CACHE_DIR) for as long as it is still the listing, so `ls` within
// the TTL costs no request at all.
//
// Measured (issue 6, docs/performance.md): `ls -l assets/` of 10,000
// assets within the TTL took 170-600 ms, all of it READDIRPLUS answered
// entry by entry (a go-fuse Lookup per name); with the kernel's copy it is
// about what `ls -l` of a local directory takes.
//
// Locking: dirCache.kmu guards its fields (what the kernel's copy holds,
// when it was filled, and with what it is being refilled). It is never
// held with another lock, nor while calling Readdir or notifying the
// kernel. An assetsDirHandle is used by go-fuse under its own per-handle
// lock (Readdirent, Seekdir, Lookup).

import (
	"context"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

// dirCache is the state of the kernel's copy of the assets/ listing.
type dirCache struct {
	kmu       sync.Mutex
	kernelSum uint64    // checksum of the entries the kernel's copy was filled from; 0: none
	kernelAt  time.Time // when that fill ended (Config.Clock)
	filling   uint64    // checksum of the entries the copy dropped last is being refilled with
	fills     int       // listings streamed to the end (tests: the kernel's copy was not used)

	preparedUsed atomic.Int64 // READDIRPLUS lookups answered by a prepared entry (tests)
}

func (d *assetsDir) dirCache() *dirCache { return &d.dc }

// OpendirHandle opens assets/: the listing is taken now (Readdir: the
// listing cache, refreshed after the TTL, plus queued uploads), and the
// kernel may keep what it reads (FOPEN_CACHE_DIR). The kernel's copy is
// used only while it holds exactly these entries and was filled within
// DirCacheTTL (the lifetime of the names it learned with it); otherwise it
// is dropped first, and this open fills it again.
func (d *assetsDir) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	t, err := d.table(ctx)
	if err != nil {
		return nil, 0, fail(d.r.log, logrus.Fields{"op": "opendir", "path": "assets"}, err)
	}
	h := &assetsDirHandle{d: d}
	if items := d.queuedItems(); len(items) > 0 {
		h.entries = mergeEntries(t, items)
		h.assets = make([]*api.Asset, len(h.entries))
		for i, e := range h.entries {
			// The asset behind the entry, when it is one of t's (not a
			// queued upload): READDIRPLUS then answers its lookup from it
			// (Lookup below).
			if x := t.byName[e.Name]; x != nil && assetIno(x.ID) == e.Ino {
				h.assets[i] = x
			}
		}
		h.sum = entriesSum(h.entries)
	} else {
		v := t.dirView()
		h.entries, h.assets, h.sum = v.entries, v.assets, v.sum
	}

	c := d.dirCache()
	now := d.r.cfg.Clock()
	c.kmu.Lock()
	valid := c.kernelSum == h.sum && now.Sub(c.kernelAt) < d.r.cfg.DirCacheTTL
	if !valid {
		// Refilled by a handle with these entries that reads to the end
		// (not by an older handle still reading the dropped copy).
		c.kernelSum, c.filling = 0, h.sum
	}
	c.kmu.Unlock()
	if !valid {
		// Drop the kernel's copy (its pages) before it can be used. The
		// kernel holds no lock of assets/ while it waits for OPENDIR, so
		// waiting for the notification here cannot deadlock; the wait is
		// bounded anyway.
		d.r.notifyWait(otherEntryWait, func() { d.NotifyContent(0, 0) })
		// The kernel reads the listing from us, with READDIRPLUS.
		h.startPreparing()
	}
	return h, fuse.FOPEN_CACHE_DIR | fuse.FOPEN_KEEP_CACHE, 0
}

// queuedItems are the queued uploads assets/ lists (nil: none, or no
// write support).
func (d *assetsDir) queuedItems() map[string]queue.Item {
	return visibleItems(d.r.up.s.Items())
}

// dirView is what an open of assets/ lists when no upload is queued:
// the table's entries in order, the asset behind each, and their checksum.
// Built once per table (issue 6: building them at every open took about
// 8 ms of a cold ls -l of 10,000 assets) and shared read-only by every
// handle.
type dirView struct {
	entries []fuse.DirEntry
	assets  []*api.Asset
	sum     uint64
}

// dirView returns t's view, building it on first use.
func (t *assetTable) dirView() *dirView {
	t.viewOnce.Do(func() {
		v := &dirView{entries: make([]fuse.DirEntry, len(t.names)), assets: make([]*api.Asset, len(t.names))}
		for i, name := range t.names { // sorted, as mergeEntries orders them
			a := t.byName[name]
			v.entries[i] = fuse.DirEntry{Name: name, Mode: syscall.S_IFREG, Ino: assetIno(a.ID)}
			v.assets[i] = a
		}
		v.sum = entriesSum(v.entries)
		t.view = v
	})
	return t.view
}

// entriesSum is a checksum of a listing: names, inode numbers and types,
// in order. Never 0.
func entriesSum(entries []fuse.DirEntry) uint64 {
	h := fnv.New64a()
	var b [12]byte
	for _, e := range entries {
		_, _ = h.Write([]byte(e.Name))
		for i := 0; i < 8; i++ {
			b[i] = byte(e.Ino >> (8 * i))
		}
		for i := 0; i < 4; i++ {
			b[8+i] = byte(e.Mode >> (8 * i))
		}
		_, _ = h.Write(b[:])
	}
	if s := h.Sum64(); s != 0 {
		return s
	}
	return 1
}

// assetsDirHandle is one open of assets/: the entries taken at open.
type assetsDirHandle struct {
	d       *assetsDir
	entries []fuse.DirEntry // read-only: may be shared with other handles (dirView)
	assets  []*api.Asset    // per entry: its asset, or nil (a queued upload, or unsure)
	sum     uint64
	dots    int       // how many of "." and ".." were returned (they come first)
	pos     int       // next entry to return
	ended   bool      // the end was reached once
	prep    *prepared // entries prepared ahead (assets_prepare.go); nil: none
}

// Lookup answers READDIRPLUS for the entry just returned: from the asset
// that entry was listed for, without looking the name up again (that
// lookup, per entry, was most of a cold ls -l of 10,000 assets). Entries
// without a known asset go through assetsDir.Lookup.
func (h *assetsDirHandle) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if i := h.pos - 1; i >= 0 && i < len(h.entries) && h.entries[i].Name == name && h.assets[i] != nil {
		return h.lookupPrepared(ctx, i, out)
	}
	return h.d.Lookup(ctx, name, out)
}

// Readdirent returns the next entry. Reaching the end means the kernel's
// copy (if this read filled it) now holds these entries.
func (h *assetsDirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	if h.dots < 2 {
		e := dotEntries(h.d.EmbeddedInode())[h.dots]
		h.dots++
		e.Off = uint64(h.dots)
		return &e, 0
	}
	if h.pos >= len(h.entries) {
		if h.ended {
			return nil, 0
		}
		h.ended = true
		c := h.d.dirCache()
		c.kmu.Lock()
		if c.kernelSum == 0 && c.filling == h.sum {
			c.kernelSum, c.kernelAt = h.sum, h.d.r.cfg.Clock()
		}
		c.fills++
		c.kmu.Unlock()
		return nil, 0
	}
	e := h.entries[h.pos]
	h.pos++
	e.Off = uint64(h.pos) + 2
	return &e, 0
}

// Seekdir moves to the entry after offset off (0: the start, as rewinddir
// does; 1 and 2 are "." and "..").
func (h *assetsDirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if off > uint64(len(h.entries))+2 {
		return syscall.EINVAL
	}
	if off < 2 {
		h.dots, h.pos = int(off), 0
		return 0
	}
	h.dots, h.pos = 2, int(off)-2
	return 0
}

// Releasedir stops preparing entries.
func (h *assetsDirHandle) Releasedir(ctx context.Context, releaseFlags uint32) {
	if h.prep != nil {
		h.prep.stop.Store(true)
	}
}
