package assets

// assets/: its state (the installed name table, the ids deleted through
// the mount) and what it shows, asked of the view (package view). The
// FUSE operations are in assets_dir_ops.go and assets_byid_ops.go.
//
// Locking: assetsDir.names (node.DirTable) holds the installed table and
// the mtime; assetsDir.mu guards lastRetry and deleted; names.build may
// be held while taking mu, never the reverse. saveMu (assets_saved.go) and
// checkMu (assets_recheck.go) are never held with another. None is held
// while calling the API, waiting for the listing (Get, Refresh), or a
// go-fuse Notify* function (those run in node.Mount.NotifyAsync, after the
// locks are released); names.Build is held around Listing.Update, which
// never waits (addUploaded).

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/assets/internal/misses"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// assetsDir is MOUNT/assets.
type assetsDir struct {
	gofs.Inode
	node.BigStatfs
	r       *Tree
	listing *cache.Listing[api.Asset]
	byID    *byIDDir

	snap   *state.SavedListing[api.Asset] // nil: no saved listings
	bgBusy atomic.Bool                    // a background refresh is running

	names node.DirTable[view.AssetTable] // the installed table and the mtime

	mu        sync.Mutex
	lastRetry time.Time             // last background refresh while serving the saved listing
	deleted   map[string]bool       // ids deleted through this mount (never shown again)
	ghosts    map[string]*api.Asset // paths being unlinked through the mount (assets_gone.go)

	saveMu sync.Mutex
	toSave []api.Asset // newest listing not yet saved
	saving bool        // a saver goroutine runs

	checkMu      sync.Mutex
	checkRunning int          // re-checks of the newest assets running (at most recheckRunners)
	checkNext    *recheckCall // lookups waiting for the next re-check
	checkFailed  recheckFail  // the last re-check failed (assets_recheck.go)
	misses       misses.Memo  // what recent re-checks did not find (internal/misses)

	dc    dirCache   // what the kernel's copy of the listing holds (assets_opendir.go)
	sizes sizeProber // probes of the sizes the listing lacks (assets_sizes.go)

	watchUntil atomic.Int64 // unix ns: keep listing until then (assets_watch.go)
	watching   atomic.Bool  // the refresh loop runs
}

func newAssetsDir(r *Tree) *assetsDir {
	d := &assetsDir{r: r, deleted: map[string]bool{}, ghosts: map[string]*api.Asset{}}
	d.names.Changed = r.Started
	d.byID = &byIDDir{d: d}
	d.snap = state.Saved[api.Asset](r.State, "assets")
	d.listing = cache.NewListing(cache.ListingConfig[api.Asset]{
		TTL:   r.Cfg.DirCacheTTL,
		Clock: r.Cfg.Clock,
		Fetch: d.fetchAll, // Remote.AllAssets, probing missing sizes (assets_sizes.go)
		Log:   r.Log,
		Name:  "assets",
		// A bulk copy looks names up all the time: re-list before the TTL
		// runs out rather than making one of its lookups wait for a listing.
		RefreshAhead: r.Cfg.DirCacheTTL * 3 / 4,
		// The fetch is shared by every waiting caller; this bounds it.
		FetchTimeout: r.Cfg.OpTimeout,
	})
	return d
}

// onAdd adds the hidden .by-id directory once assets/ is in the tree.
func (d *assetsDir) onAdd(ctx context.Context) {
	node.AddByID(ctx, &d.Inode, "assets", d.byID)
}

// current returns the installed table (nil before the first listing).
func (d *assetsDir) current() *view.AssetTable { return d.names.Current() }

// table returns the names assets/ shows now (see shown), without the
// queued files, which lookups find through the upload session.
func (d *assetsDir) table(ctx context.Context) (*view.AssetTable, error) {
	t, _, err := d.shownWith(ctx, d.r.shownPending)
	return t, err
}

// shown returns the names assets/ shows now: the installed table with
// what the upload side reports (view.AssetTable.Show), and that report.
// Asking the upload side (uploads.pending) is the one call a lookup or a
// listing makes into the write path.
func (d *assetsDir) shown(ctx context.Context) (*view.AssetTable, view.Pending, error) {
	return d.shownWith(ctx, d.r.pending)
}

// shownWith is shown with the upload side's report made by pending.
func (d *assetsDir) shownWith(ctx context.Context, pending func() view.Pending) (*view.AssetTable, view.Pending, error) {
	t, err := d.installed(ctx)
	if err != nil {
		return t, view.Pending{}, err
	}
	p := pending()
	p.Folders = d.r.folders.List()
	return t.Show(p), p, nil
}

// installed returns the table of the current listing: the cached one
// within the TTL, else a fresh one. When the API cannot be reached, the
// last listing (of this mount, or saved by an earlier one) is served; the
// Listing logs that once per outage.
func (d *assetsDir) installed(ctx context.Context) (*view.AssetTable, error) {
	if cur := d.current(); cur != nil && cur.Saved {
		// Serving a saved listing because the API was down: do not make
		// every lookup wait for it; retry in the background.
		d.retrySoon()
		return cur, nil
	}
	// No opContext here: the Listing bounds the shared fetch itself
	// (FetchTimeout = OpTimeout, StaleAfter), and this runs for every
	// lookup, READDIRPLUS entries included, where a context with a timer
	// (and a goroutine watching the FUSE request) per entry would cost
	// more than the lookup itself.
	assets, gen, err := d.listing.Get(ctx)
	if err != nil {
		if node.ToErrno(err) == syscall.EINTR {
			return nil, err
		}
		if t := d.loadSaved(); t != nil {
			d.retrySoon()
			return t, nil
		}
		return nil, err
	}
	if cur := d.current(); cur != nil && cur.Gen == gen && !cur.Saved {
		return cur, nil
	}
	return d.install(gen, assets), nil
}

// install builds the table of generation gen (once) and makes it current,
// then tells the kernel to forget names that went away. A listing that
// only grew by local edits since the current table (uploads landing, a
// re-check's finds) gets that table Grown by them, not a new naming of
// every asset (view.AssetTable.Grown).
func (d *assetsDir) install(gen uint64, assets []api.Asset) *view.AssetTable {
	d.names.Build.Lock()
	defer d.names.Build.Unlock()
	return d.installLocked(gen, assets, false)
}

// addUploaded adds a, just uploaded under path (its kept name), to the
// cached listing and installs the table with it in one step under
// names.Build: a lookup in between would find the listing's new
// generation without its table and wait to build it. When the listing
// had a already (a re-check, or the listing after a restart, found it
// first) under another name than path, the table is named again: the kept
// name it has now wins over the description it was named by.
func (d *assetsDir) addUploaded(a *api.Asset, path string) {
	d.names.Build.Lock()
	defer d.names.Build.Unlock()
	items, gen, ok := d.listing.Update(view.WithAsset(*a))
	if !ok {
		return
	}
	cur := d.current()
	stale := cur != nil && cur.Gen == gen && cur.ByID.At(a.ID) != nil && cur.NameOf.At(a.ID) != path
	d.installLocked(gen, items, stale)
}

// installLocked is install with names.Build held; rename builds the
// table of gen even if the current one is of gen (names kept since).
func (d *assetsDir) installLocked(gen uint64, assets []api.Asset, rename bool) *view.AssetTable {
	var (
		gone, goneIDs  []string
		added, removed []string // for the events log
		changed, full  bool
	)
	keep := func(old *view.AssetTable) bool {
		return !rename && !old.Saved && old.Gen >= gen // someone built this or a newer generation meanwhile
	}
	var old *view.AssetTable // the table replaced (for the names that went away)
	build := func(prev *view.AssetTable) (*view.AssetTable, bool) {
		old = prev
		assets = d.withoutDeleted(assets)
		if prev != nil && !rename {
			if t, names := prev.Grown(gen, assets); t != nil {
				added, changed = names, true
				return t, true
			}
		}
		full = true
		t := view.NewAssetTree(gen, assets, d.r.kept.Lookup())
		gone, goneIDs, changed = t.Diff(prev)
		gone = append(gone, t.GoneFolders(prev)...)
		added, removed = t.Changes(prev)
		return t, changed
	}
	return d.names.InstallLocked(keep, build, d.r.Cfg.Clock, func(t *view.AssetTable) {
		for _, p := range added {
			d.r.Events.Add(view.EventAssetAdded, "", "assets/"+p)
		}
		for _, p := range removed {
			d.r.Events.Add(view.EventAssetRemoved, "", "assets/"+p)
		}
		if changed {
			d.save(assets)
		}
		if !full { // names added, none gone: nothing below to do
			return
		}
		for _, id := range goneIDs { // deleted elsewhere: its kept time goes too
			d.r.ForgetMtime(node.AssetTimeKey(id))
		}
		if err := d.r.kept.Prune(func(id string) bool { return t.ByID.At(id) != nil }, d.r.Cfg.Clock()); err != nil {
			d.r.Log.WithError(err).Warn("could not drop the kept names of deleted assets")
		}
		if len(gone) > 0 || len(goneIDs) > 0 {
			d.r.Log.WithFields(logrus.Fields{"op": "list", "path": "assets", "gone": len(gone), "assets": len(assets)}).Debug("asset names changed")
			d.goneAway(old, t, gone)
			d.r.NotifyAsync(func() { node.ForgetNames(&d.byID.Inode, goneIDs) })
		}
	})
}

// lookup resolves a name of assets/ to its asset. A name missing from the
// current listing is re-checked (assets_recheck.go) before ENOENT, so a
// file uploaded elsewhere a moment ago is found. cacheFor, with ENOENT:
// how long the kernel may keep that answer (internal/misses).
func (d *assetsDir) lookup(ctx context.Context, name string) (a *api.Asset, cacheFor time.Duration, err error) {
	asked := time.Now() // real time: see cache.Listing.FetchedSince
	t, err := d.table(ctx)
	if err != nil {
		return nil, 0, err
	}
	if a := t.ByName.At(name); a != nil {
		return a, 0, nil
	}
	if t.Saved { // the API is down: nothing to re-check against
		return nil, 0, syscall.ENOENT
	}
	if d.listing.FetchedSince(asked) {
		return nil, 0, syscall.ENOENT // the listing was fetched for this lookup: as new as a re-check
	}
	if recheck, cacheFor := d.shouldRecheck(ctx, name); !recheck {
		return nil, cacheFor, syscall.ENOENT
	}
	began := time.Now()
	if err := d.recheck(ctx); err != nil {
		if node.ToErrno(err) == syscall.EINTR {
			return nil, 0, err
		}
		// The answer stays ENOENT; say why it could not be re-checked.
		d.r.Log.WithFields(logrus.Fields{"op": "lookup", "path": "assets/" + name}).WithError(err).Info("re-check of a missing name failed")
		return nil, 0, syscall.ENOENT
	}
	if t, err = d.table(ctx); err != nil {
		return nil, 0, err
	}
	if a := t.ByName.At(name); a != nil {
		return a, 0, nil
	}
	d.misses.Add(node.CallerProcess(ctx), name, began)
	return nil, 0, syscall.ENOENT
}

// withoutDeleted drops the assets deleted through this mount: a listing
// that still has one (an API that lags behind its own deletes) must not
// bring its name back.
func (d *assetsDir) withoutDeleted(as []api.Asset) []api.Asset {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.deleted) == 0 {
		return as
	}
	return view.DropIDs(as, d.deleted)
}

// isDeleted reports whether id was deleted through this mount.
func (d *assetsDir) isDeleted(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deleted[id]
}

// list is what assets/ lists now (view.AssetTable.Merge).
func (d *assetsDir) list(ctx context.Context) (*view.List, error) {
	t, p, err := d.shown(ctx)
	if err != nil {
		return nil, err
	}
	if len(p.Queued) > 0 {
		return t.Merge(p.Queued), nil
	}
	return t.List(), nil
}
