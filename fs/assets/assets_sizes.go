package assets

// Sizes of listed assets that the API gave none for (size_bytes is
// optional in Krea's schema), learned ahead of `ls -l`.
//
// `ls -l` stats every entry (the kernel's READDIRPLUS asks for the
// attributes of each), and an asset without size_bytes has its size
// learned from the file host (node.File.knownSize). Asked entry by entry
// as the kernel reaches them, that was one round trip after the other:
// 1,255 of them for a seeded account of 10,000 assets, 30 s under a 20 ms
// round trip (docs/performance.md, "`ls -l` asked the file host for each
// size the listing lacks"). So:
//
//   - the probes start while the listing is fetched: each page's assets
//     without a size are queued as the page arrives (api.WithAssetPages),
//     when an open of assets/ waits for that listing (wantSizes), so they
//     overlap the next pages instead of following the last; the queue is
//     kept in the order of the names the assets want (view.WantedPath;
//     duplicates are resolved only once every page is in), close to the
//     order the kernel will ask in, so the probes still to run when the
//     listing is in are mostly of entries the kernel reaches last;
//   - an open that fills the kernel's copy of the listing queues whatever
//     is left, and puts the probes not started yet in listing order, the
//     order the kernel asks in (probeSizes);
//   - sizeProbes of them run at once, each a request for the first byte
//     that keeps only the size (cache.Store.LearnSize: no 128 KiB chunk,
//     no data file);
//   - the kernel's lookup of an entry whose probe is queued or running
//     waits for it (starting it at once if no worker took it yet), rather
//     than start a second request of its own (waitSize), for at most
//     sizeWait: past that (a file host that does not answer) the entry
//     probes itself as before, bounded as before, so such an entry waits
//     twice as long as it did without the probes here.
//
// A listing fetched while nobody opens assets/ (a lookup, the watch loop)
// keeps its pages' missing sizes aside, in case an open joins it, and
// probes nothing. Queued probes run to the end also when the `ls` that
// wanted them stops early (a byte each); they stop when the mount does.
// What stat reports does not change: the same size, earlier. The sizes
// live in the content cache's memory: a new mount learns them again. A
// probe that fails here is not remembered; the entry's own probe
// (node.File.probeSize) then reports, and remembers, the failure.
//
// Locking: sizeProber.mu guards its fields; it is never held with another
// lock, nor during a request. A sizeCall's fields are guarded by it too,
// except done, which is closed once the probe ended.

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// sizeProbes is how many sizes are learned at once: a page of 1,000
// assets lacks about 125 (the seeded account), which then cost two round
// trips, about what the next page takes to arrive. api's transport keeps
// more idle connections per host than this, so the probes reuse theirs.
const sizeProbes = 64

// A probe is given up after sizeProbeBound (a file host that accepts and
// never answers; the request's own answer timeout is longer), and the
// kernel's lookup of an entry waits sizeWait for its probe, then learns
// the size itself as node.File does without a probe here (it waits as
// long, attrProbeWait): one unreachable file host must not hold up every
// entry of a listing for long.
const (
	sizeProbeBound = 30 * time.Second
	sizeWait       = 5 * time.Second
)

// sizeProber queues and runs the probes of one assetsDir.
type sizeProber struct {
	mu      sync.Mutex
	calls   map[string]*sizeCall // by asset id: queued or running
	queue   []*sizeCall          // in the order to run; started ones are skipped
	workers int                  // goroutines running probes
	wanted  int                  // opens of assets/ waiting for a listing
	aside   []*sizeCall          // sizes the running fetch's pages lack, seen while wanted was 0
}

// sizeCall is one asset's probe.
type sizeCall struct {
	id, url string
	order   string // where the kernel probably asks for it (probeOrder)
	started bool
	done    chan struct{}
}

// probeOrder is where an asset's entry probably comes in the kernel's
// reading of assets/ (sorted by name): its wanted name, after every name
// of assets/ itself when it wants a folder.
func probeOrder(a *api.Asset, kept func(string) string) string {
	k := ""
	if kept != nil {
		k = kept(a.ID)
	}
	dir, name := view.WantedPath(a, k)
	if dir != "" {
		return "\xff" + dir + "/" + name // no usable name starts with 0xff (not UTF-8)
	}
	return name
}

// fetchAll is the listing's fetch: every page, with the missing sizes of
// each queued as it arrives.
func (d *assetsDir) fetchAll(ctx context.Context) ([]api.Asset, error) {
	p := &d.sizes
	defer func() {
		p.mu.Lock()
		p.aside = nil
		p.mu.Unlock()
	}()
	return d.r.Cfg.Remote.AllAssets(api.WithAssetPages(ctx, d.pageSizes))
}

// pageSizes queues the probes of a page's assets that have no size (or
// sets them aside while no open of assets/ waits for the listing).
func (d *assetsDir) pageSizes(page []api.Asset) {
	kept := d.r.kept.Lookup()
	calls := d.missingSizes(len(page), func(i int) *api.Asset { return &page[i] },
		func(a *api.Asset) string { return probeOrder(a, kept) })
	if len(calls) == 0 {
		return
	}
	p := &d.sizes
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wanted == 0 {
		p.aside = append(p.aside, calls...)
		return
	}
	d.queueLocked(calls)
}

// wantSizes says that an open of assets/ waits for the listing: the sizes
// its pages lack are probed from now on (and those of the pages already
// in). The returned function says it no longer waits.
func (d *assetsDir) wantSizes() func() {
	p := &d.sizes
	p.mu.Lock()
	p.wanted++
	d.queueLocked(p.aside)
	p.aside = nil
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		p.wanted--
		p.mu.Unlock()
	}
}

// probeSizes queues the probes of the assets in entries that have no
// size, and puts every probe not started yet in the order of entries, the
// order in which the kernel will ask for them (the pages came newest
// first; a directory lists by name). Probes of assets not in entries (in
// folders) follow.
func (d *assetsDir) probeSizes(entries []view.Entry) {
	calls := d.missingSizes(len(entries), func(i int) *api.Asset { return entries[i].Asset }, nil)
	if len(calls) == 0 {
		return
	}
	p := &d.sizes
	p.mu.Lock()
	defer p.mu.Unlock()
	queue := make([]*sizeCall, 0, len(calls)+len(p.queue))
	first := make(map[*sizeCall]bool, len(calls))
	for _, c := range calls {
		if c = p.addLocked(c); !c.started {
			queue = append(queue, c)
			first[c] = true
		}
	}
	for _, c := range p.queue {
		if !c.started && !first[c] {
			queue = append(queue, c)
		}
	}
	p.queue = queue
	d.startLocked()
}

// queueLocked queues the calls for assets not queued yet, puts the
// probes not started in the order of sizeCall.order, and starts workers.
func (d *assetsDir) queueLocked(calls []*sizeCall) {
	p := &d.sizes
	if len(calls) == 0 { // nothing new: the order stays (probeSizes')
		d.startLocked()
		return
	}
	queue := make([]*sizeCall, 0, len(p.queue)+len(calls))
	for _, c := range p.queue {
		if !c.started {
			queue = append(queue, c)
		}
	}
	for _, c := range calls {
		if p.addLocked(c) == c {
			queue = append(queue, c)
		}
	}
	slices.SortStableFunc(queue, func(a, b *sizeCall) int { return strings.Compare(a.order, b.order) })
	p.queue = queue
	d.startLocked()
}

// addLocked registers c, unless a call for its asset is queued or
// running: that one is returned instead.
func (p *sizeProber) addLocked(c *sizeCall) *sizeCall {
	if q := p.calls[c.id]; q != nil {
		return q
	}
	if p.calls == nil {
		p.calls = map[string]*sizeCall{}
	}
	c.done = make(chan struct{})
	p.calls[c.id] = c
	return c
}

// startLocked starts workers up to sizeProbes (and the queued probes).
func (d *assetsDir) startLocked() {
	p := &d.sizes
	for p.workers < min(sizeProbes, len(p.queue)) {
		p.workers++
		d.r.Background(d.sizeWorker)
	}
}

// sizeWorker runs queued probes until none is left or the mount stops.
func (d *assetsDir) sizeWorker(bg context.Context) {
	p := &d.sizes
	for {
		p.mu.Lock()
		var c *sizeCall
		for c == nil && len(p.queue) > 0 && bg.Err() == nil {
			if c = p.queue[0]; c.started {
				c = nil
			}
			p.queue[0] = nil
			p.queue = p.queue[1:]
		}
		if c == nil {
			p.workers--
			if p.workers == 0 {
			}
			if len(p.queue) == 0 {
				p.queue = nil // let the array go
			}
			p.mu.Unlock()
			return
		}
		c.started = true
		p.mu.Unlock()
		d.runSize(bg, c)
	}
}

// waitSize waits for the probe of a, if one is queued or running (a
// queued one that no worker took yet starts now), for at most sizeWait.
// It returns at once without a probe, and when ctx ends.
func (d *assetsDir) waitSize(ctx context.Context, a *api.Asset) {
	if a.Size() >= 0 {
		return
	}
	p := &d.sizes
	p.mu.Lock()
	c := p.calls[a.ID]
	if c == nil {
		p.mu.Unlock()
		return
	}
	if !c.started { // no worker took it yet: it runs now
		c.started = true
		d.r.Background(func(bg context.Context) { d.runSize(bg, c) })
	}
	p.mu.Unlock()
	wait, cancel := context.WithTimeout(ctx, sizeWait)
	defer cancel()
	select {
	case <-c.done:
	case <-wait.Done():
	}
}

// sizeDone is closed when the probe of asset id ends; nil when none is
// queued or running.
func (d *assetsDir) sizeDone(id string) <-chan struct{} {
	p := &d.sizes
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.calls[id]; c != nil {
		return c.done
	}
	return nil
}

// missingSizes is a new call for each of the n assets (asset(i); nil: not
// an asset) whose size neither the listing nor the content cache knows,
// with its order (order(asset); nil: none).
func (d *assetsDir) missingSizes(n int, asset func(i int) *api.Asset, order func(*api.Asset) string) []*sizeCall {
	var calls []*sizeCall
	for i := range n {
		if a := asset(i); a != nil && a.Size() < 0 && d.sizeUnknown(a.ID) {
			c := &sizeCall{id: a.ID, url: a.ImageURL}
			if order != nil {
				c.order = order(a)
			}
			calls = append(calls, c)
		}
	}
	return calls
}

// sizeUnknown says whether the content cache does not know the size of
// asset id.
func (d *assetsDir) sizeUnknown(id string) bool {
	n, _ := d.r.Cfg.Content.Has(node.ContentKey(id))
	return n < 0
}

// runSize learns c's size into the content cache (nothing when it knows
// it already), then ends c.
func (d *assetsDir) runSize(ctx context.Context, c *sizeCall) {
	if d.sizeUnknown(c.id) {
		octx, cancel := context.WithTimeout(ctx, sizeProbeBound)
		_, _ = d.r.Cfg.Content.LearnSize(octx, cache.Source{Key: node.ContentKey(c.id), URL: c.url, Size: -1})
		cancel()
	}
	p := &d.sizes
	p.mu.Lock()
	if p.calls[c.id] == c {
		delete(p.calls, c.id)
	}
	p.mu.Unlock()
	close(c.done)
}
