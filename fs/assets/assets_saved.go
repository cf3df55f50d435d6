package assets

// assets/ when the API is unreachable: the last good listing, saved under
// Config.StateDir after every change (once no `ls` is reading assets/:
// saveQuiet, saveLate), is served (table.Saved) until a listing succeeds
// again.
//
// Locking: assetsDir.saveMu guards toSave and saving (one saver goroutine
// at a time, always writing the newest listing). assetsDir.mu guards
// lastRetry. bgBusy is atomic.

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/fs/view"
)

// loadSaved installs the saved listing as the current table, if there is
// one and no listing has been installed yet. It returns the current table
// (nil when there is none).
func (d *assetsDir) loadSaved() *view.AssetTable {
	if d.snap == nil {
		return d.current()
	}
	d.names.Build.Lock()
	defer d.names.Build.Unlock()
	if t := d.current(); t != nil {
		return t
	}
	items, savedAt, err := d.snap.Load()
	f := logrus.Fields{"op": "list", "path": "assets"}
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			d.r.Log.WithFields(f).WithError(err).Warn("cannot use the saved listing")
		}
		return nil
	}
	t := view.NewAssetTree(0, items, d.r.kept.Lookup())
	t.Saved = true
	d.names.Set(t, false, time.Time{})
	d.r.Log.WithFields(f).WithField("saved_at", savedAt).WithField("assets", len(items)).
		Warn("API unreachable: showing the listing saved earlier until it answers")
	return t
}

// retrySoon refreshes the listing in the background while the saved one
// is served, at most once per DirCacheTTL, so lookups never wait on an API
// that is down.
func (d *assetsDir) retrySoon() {
	now := d.r.Cfg.Clock()
	d.mu.Lock()
	if !d.lastRetry.IsZero() && now.Sub(d.lastRetry) < d.r.Cfg.DirCacheTTL {
		d.mu.Unlock()
		return
	}
	d.lastRetry = now
	d.mu.Unlock()
	if !d.bgBusy.CompareAndSwap(false, true) {
		return
	}
	d.r.Background(func(ctx context.Context) {
		defer d.bgBusy.Store(false)
		ctx, cancel := d.r.OpContext(ctx)
		defer cancel()
		assets, gen, err := d.listing.Get(ctx)
		if err != nil {
			d.r.Log.WithFields(logrus.Fields{"op": "list", "path": "assets"}).WithError(err).Debug("API still unreachable")
			return
		}
		d.install(gen, assets)
	})
}

// A save waits while the kernel reads a listing of assets/, and until
// saveQuiet after the read ended (`ls` then sorts and prints), for at
// most saveLate: it uses the CPU an `ls` waits for (assets_reads.go). A
// mount stopped meanwhile saves at once.
const (
	saveQuiet = 500 * time.Millisecond
	saveLate  = 5 * time.Second
)

// save writes assets as the saved listing, in the background; saves never
// overlap and the newest listing wins.
func (d *assetsDir) save(assets []api.Asset) {
	if d.snap == nil {
		return
	}
	d.saveMu.Lock()
	d.toSave = assets
	start := !d.saving
	d.saving = true
	d.saveMu.Unlock()
	if !start {
		return
	}
	d.r.Background(func(ctx context.Context) {
		d.dc.reads.waitQuiet(ctx, saveQuiet, saveLate)
		for {
			d.saveMu.Lock()
			items := d.toSave
			d.toSave = nil
			if items == nil {
				d.saving = false
				d.saveMu.Unlock()
				return
			}
			d.saveMu.Unlock()
			if err := d.snap.Save(items, d.r.Cfg.Clock()); err != nil {
				d.r.Log.WithFields(logrus.Fields{"op": "save-listing", "path": "assets"}).WithError(err).Warn("cannot save the listing")
			}
		}
	})
}
