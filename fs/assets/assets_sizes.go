package assets

// Sizes of listed assets that the API gave none for (size_bytes is
// optional in Krea's schema), learned ahead of `ls -l`.
//
// `ls -l` stats every entry, and an asset without size_bytes has its size
// learned from the file host (node.File.knownSize: its first byte through
// the content cache, which records the length the server reports). Asked
// entry by entry, as the kernel's READDIRPLUS reaches them, that was one
// round trip after the other: 1,255 of them for a seeded account of 10,000
// assets, 30 s under a 20 ms round trip (docs/performance.md, "Real
// wire"). So an open that fills the kernel's copy of the listing (the one
// that READDIRPLUS reads, assets_opendir.go) starts probing those assets
// right away, sizeProbes at a time and in listing order; an entry the
// kernel asks for finds its size in the content cache, or waits for the
// download already in flight (the cache shares it), instead of starting
// its own. What stat reports does not change: the same probe, earlier.
// A probe that fails here is not remembered; the entry's own probe then
// reports (and remembers) the failure, as before.
//
// Locking: none of ours; stop is atomic, the cache locks for itself.

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// sizeProbes is how many sizes are learned at once: 1,255 missing sizes
// are then about 80 round trips instead of 1,255, without opening more
// connections to the file host than a few parallel reads do.
const sizeProbes = 16

// probeSizes learns, in the background, the sizes of the assets in
// entries that have neither size_bytes nor a cached length. It stops
// early when stop is set (the handle was released) or the mount stops.
func (d *assetsDir) probeSizes(entries []view.Entry, stop *atomic.Bool) {
	var todo []*api.Asset
	for i := range entries {
		if a := entries[i].Asset; a != nil && a.Size() < 0 {
			todo = append(todo, a)
		}
	}
	if len(todo) == 0 {
		return
	}
	d.r.Background(func(bg context.Context) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(sizeProbes, len(todo)) {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(todo) || stop.Load() || bg.Err() != nil {
						return
					}
					d.probeSize(bg, todo[i])
				}
			})
		}
		wg.Wait()
	})
}

// probeSize reads the first byte of a through the content cache, which
// then knows its length (nothing when it already does).
func (d *assetsDir) probeSize(bg context.Context, a *api.Asset) {
	key := node.ContentKey(a.ID)
	if n, _ := d.r.Cfg.Content.Has(key); n >= 0 {
		return
	}
	ctx, cancel := d.r.OpContext(bg)
	defer cancel()
	rd := d.r.Cfg.Content.Open(cache.Source{Key: key, URL: a.ImageURL, Size: -1})
	defer rd.Close()
	_, _ = rd.Ensure(ctx, 0, 1)
}
