package assets

// Building the table of a finished upload ahead of the lookups.
//
// Each finished upload adds its asset to the cached listing (a new
// generation), and the table of names (view.NewAssetTree: every asset
// named and indexed, O(assets)) used to be rebuilt by the next FUSE lookup,
// which waited for it: under rsync, with uploads landing while it copies,
// one lookup in a few paid a rebuild of the whole account's names. The
// upload path now asks for the rebuild in the background (installAhead),
// so lookups find the table built. Nothing is shown earlier or later than
// before: a lookup still installs the newest generation itself when it
// comes first (node.DirTable.Install builds each generation once).
//
// The warm-up never makes the listing fetch: it runs only while the
// cached listing is fresh (fetched less than half the TTL ago,
// cache.Listing.FetchedWithin), when Listing.Get answers from it.

import (
	"context"
	"sync"
)

// installer runs the background rebuilds, one at a time: requests made
// while one runs are served by one more run after it.
type installer struct {
	mu      sync.Mutex
	due     bool // a request not served yet
	running bool // a goroutine serves them
}

// installAhead builds and installs the table of the listing's newest
// generation in the background, if the listing is fresh.
func (d *assetsDir) installAhead() {
	a := &d.ahead
	a.mu.Lock()
	a.due = true
	start := !a.running
	a.running = true
	a.mu.Unlock()
	if !start {
		return
	}
	d.r.Background(func(ctx context.Context) {
		for {
			a.mu.Lock()
			fresh := d.listing.FetchedWithin(d.r.Cfg.DirCacheTTL / 2)
			if !a.due || !fresh || ctx.Err() != nil {
				a.due, a.running = false, false
				a.mu.Unlock()
				return
			}
			a.due = false
			a.mu.Unlock()
			if cur := d.current(); cur == nil || cur.Saved {
				continue // no table yet, or the API is down: lookups decide
			}
			d.installed(ctx)
		}
	})
}
