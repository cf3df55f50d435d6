package assets

// READDIRPLUS answers prepared ahead: while `ls -l` works through the
// entries it has (coreutils stats each one inside its readdir loop), a
// goroutine creates the inodes and attributes of the entries it will ask
// for next, so that each READDIRPLUS request only hands them to go-fuse.
//
// Creating them (assetEntry) on ls's critical path was a large part of a
// cold ls -l of many assets (docs/performance.md); this way it runs on
// another core while ls works.
//
// Only an open that fills the kernel's copy of the listing prepares
// (otherwise the kernel sends no READDIRPLUS). Entries whose size is known
// (from the listing, or learned already) are prepared first, in order;
// the other sizes are learned meanwhile, several at a time
// (assets_sizes.go), and those entries are prepared as their sizes come
// in, in order (an entry the kernel asks for first is made then, after
// waiting for its size). A prepared entry is used at most once: a rewind,
// or an entry asked for before it was ready, goes through assetEntry.
//
// Locking: per entry, an atomic state hands the prepared value from the
// preparing goroutine to Lookup (ready is stored after the value; Lookup
// reads it only after swapping ready for used). No mutex.

import (
	"context"
	"sync/atomic"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/api"
)

// States of a prepared entry.
const (
	prepNone  = iota // not prepared (yet)
	prepBusy         // being prepared
	prepReady        // prepared, not used
	prepUsed         // used, skipped or answered without it: never again
)

type preparedEntry struct {
	ch  *gofs.Inode
	out fuse.EntryOut // what assetEntry filled in
}

// prepared is one handle's entries prepared ahead.
type prepared struct {
	state []atomic.Uint32
	entry []preparedEntry
	stop  atomic.Bool   // the handle was released
	quit  chan struct{} // closed with stop: ends a wait for a size
}

// startPreparing prepares h's entries in order on a new goroutine.
func (h *assetsDirHandle) startPreparing() {
	p := &prepared{state: make([]atomic.Uint32, len(h.list.Entries)), entry: make([]preparedEntry, len(h.list.Entries)),
		quit: make(chan struct{})}
	h.prep = p
	d, entries := h.d, h.list.Entries
	d.probeSizes(entries)
	go func() {
		type waiting struct {
			i    int
			done <-chan struct{} // its probe's (nil: none running)
		}
		var later []waiting // entries whose size is being learned, in order
		// next prepares the first of later once its size is in (waiting
		// for it when wait); false when the handle was released.
		next := func(wait bool) bool {
			w := later[0]
			if w.done != nil {
				if wait {
					select {
					case <-w.done:
					case <-p.quit:
						return false
					}
				} else {
					select {
					case <-w.done:
					default:
						return false
					}
				}
			}
			later = later[1:]
			if a := entries[w.i].Asset; !d.sizeUnknown(a.ID) { // else its probe failed: the kernel's lookup reports it
				p.prepare(d, w.i, a)
			}
			return true
		}
		for i := range entries {
			a := entries[i].Asset
			if p.stop.Load() {
				return
			}
			for len(later) > 0 && next(false) {
			}
			if a == nil {
				continue
			}
			if a.Size() < 0 && d.sizeUnknown(a.ID) {
				later = append(later, waiting{i, d.sizeDone(a.ID)})
				continue
			}
			p.prepare(d, i, a)
		}
		for len(later) > 0 && !p.stop.Load() && next(true) {
		}
	}()
}

// prepare makes entry i (asset a) unless the kernel asked for it already.
func (p *prepared) prepare(d *assetsDir, i int, a *api.Asset) {
	if !p.state[i].CompareAndSwap(prepNone, prepBusy) {
		return
	}
	var out fuse.EntryOut
	ch, errno := d.r.assetEntry(context.Background(), &d.Inode, a, &out)
	if errno != 0 {
		p.state[i].Store(prepUsed)
		return
	}
	p.entry[i] = preparedEntry{ch: ch, out: out}
	p.state[i].CompareAndSwap(prepBusy, prepReady)
}

// end stops the preparing (the handle was released).
func (p *prepared) end() {
	if p.stop.CompareAndSwap(false, true) {
		close(p.quit)
	}
}

// take returns entry i's prepared inode (and fills out), or nil when it is
// not ready; either way entry i is never prepared or used again.
func (p *prepared) take(i int, out *fuse.EntryOut) *gofs.Inode {
	if p == nil || i < 0 || i >= len(p.state) || p.state[i].Swap(prepUsed) != prepReady {
		return nil
	}
	e := &p.entry[i]
	*out = e.out
	ch := e.ch
	*e = preparedEntry{}
	return ch
}

// lookupPrepared answers the READDIRPLUS lookup of entry i from the
// prepared entry, else from the asset as before.
func (h *assetsDirHandle) lookupPrepared(ctx context.Context, i int, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if ch := h.prep.take(i, out); ch != nil {
		h.d.dc.preparedUsed.Add(1)
		return ch, 0
	}
	a := h.list.Entries[i].Asset
	h.d.waitSize(ctx, a) // its size, if being learned (assets_sizes.go)
	return h.d.r.assetEntry(ctx, &h.d.Inode, a, out)
}
