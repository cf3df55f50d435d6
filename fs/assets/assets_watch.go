package assets

// Keeping assets/ fresh while someone looks at it: after a listing of
// assets/ (or of one of its folders), kreafs lists the account again every
// DirCacheTTL for Config.WatchWindow (--watch-window), so that an asset deleted elsewhere reaches
// the kernel as a delete notification (inotify: IN_DELETE) and the events
// log, without anyone touching the mount. A mount nobody lists sends no
// request.
//
// Locking: watchUntil and watching are atomics; the loop runs on a
// node.Mount background goroutine (ended by Stop).

import (
	"context"
	"time"
)

// watched notes a listing of assets/ and starts the refresh loop if it is
// not running.
func (d *assetsDir) watched() {
	window := d.r.Cfg.WatchWindow
	if window <= 0 {
		return
	}
	d.watchUntil.Store(time.Now().Add(window).UnixNano())
	if d.watching.CompareAndSwap(false, true) {
		d.r.Background(d.watchLoop)
	}
}

// watchLoop refreshes the listing every DirCacheTTL (at least a second)
// until the watch window has passed since the last listing.
func (d *assetsDir) watchLoop(ctx context.Context) {
	every := max(d.r.Cfg.DirCacheTTL, time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			d.watching.Store(false)
			return
		case <-tick.C:
		}
		if time.Now().UnixNano() > d.watchUntil.Load() {
			d.watching.Store(false)
			// A listing that came in meanwhile restarts the loop itself.
			if time.Now().UnixNano() > d.watchUntil.Load() || !d.watching.CompareAndSwap(false, true) {
				return
			}
		}
		if _, err := d.installed(ctx); err != nil {
			d.r.Log.WithField("op", "watch").WithError(err).Debug("refreshing assets/ failed; will retry")
		}
	}
}
