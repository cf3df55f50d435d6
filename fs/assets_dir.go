package fs

// assets/ and assets/.by-id/: directory operations (Lookup, Readdir,
// Getattr, Unlink).
//
// Locking: assetsDir.buildMu serialises rebuilding the name table (so one
// listing generation is turned into names once); assetsDir.mu guards tab,
// changed, lastRetry and deleted. Order: buildMu, then mu. saveMu
// (assets_saved.go) and checkMu (assets_recheck.go) are never held with
// another. None is held while calling the API, the listing, or a go-fuse
// Notify* function (those run in Root.notifyAsync, after the locks are
// released).

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/state"
)

// assetTable is one listing generation turned into file names. It is
// immutable once built; a newer generation gets a new table.
type assetTable struct {
	nameTable[api.Asset]
	saved bool                // from the listing saved by an earlier mount
	kept  func(string) string // names kept on this machine (names_kept.go), or nil

	viewOnce sync.Once
	view     *dirView // built by dirView (assets_opendir.go)
}

// buildTable names every asset of a listing (AssetNames) and indexes it.
func buildTable(gen uint64, assets []api.Asset) *assetTable { return buildTableKept(gen, assets, nil) }

// buildTableKept is buildTable with the names kept on this machine
// (kept(id), may be nil).
func buildTableKept(gen uint64, assets []api.Asset, kept func(string) string) *assetTable {
	return &assetTable{nameTable: newNameTable(gen, assets, assetNames(assets, kept), func(a *api.Asset) string { return a.ID }), kept: kept}
}

// goneNames lists the names of old that no longer lead to the same asset
// in t: deleted assets, renamed ones, and names now taken by another asset.
func (t *assetTable) goneNames(old *assetTable) []string {
	if old == nil {
		return nil
	}
	var gone []string
	for name, a := range old.byName {
		if b, ok := t.byName[name]; !ok || b.ID != a.ID {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	return gone
}

// goneIDs lists the ids of old that t no longer has.
func (t *assetTable) goneIDs(old *assetTable) []string {
	if old == nil {
		return nil
	}
	var gone []string
	for id := range old.byID {
		if _, ok := t.byID[id]; !ok {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	return gone
}

// assetsDir is MOUNT/assets.
type assetsDir struct {
	gofs.Inode
	bigStatfs
	r       *Root
	listing *cache.Listing[api.Asset]
	byID    *byIDDir

	snap   *state.SavedListing[api.Asset] // nil: no saved listings
	bgBusy atomic.Bool                    // a background refresh is running

	buildMu sync.Mutex

	mu        sync.Mutex
	tab       *assetTable     // last built table; nil before the first listing
	changed   time.Time       // the directory's mtime: when its names last changed
	lastRetry time.Time       // last background refresh while serving the saved listing
	deleted   map[string]bool // ids deleted through this mount (never shown again)

	saveMu sync.Mutex
	toSave []api.Asset // newest listing not yet saved
	saving bool        // a saver goroutine runs

	checkMu      sync.Mutex
	checkRunning bool         // a re-check of the newest assets runs
	checkNext    *recheckCall // lookups waiting for the next re-check
	checkFailed  recheckFail  // the last re-check failed (assets_recheck.go)

	dc dirCache // what the kernel's copy of the listing holds (assets_opendir.go)
}

func newAssetsDir(r *Root) *assetsDir {
	d := &assetsDir{r: r, changed: r.started, deleted: map[string]bool{}}
	d.byID = &byIDDir{d: d}
	d.snap = state.Saved[api.Asset](r.state, "assets")
	d.listing = cache.NewListing(cache.ListingConfig[api.Asset]{
		TTL:   r.cfg.DirCacheTTL,
		Clock: r.cfg.Clock,
		Fetch: r.cfg.Remote.AllAssets,
		Log:   r.log,
		Name:  "assets",
		// The fetch is shared by every waiting caller; this bounds it.
		FetchTimeout: r.cfg.OpTimeout,
	})
	return d
}

// onAdd adds the hidden .by-id directory once assets/ is in the tree.
func (d *assetsDir) onAdd(ctx context.Context) {
	ch := d.NewPersistentInode(ctx, d.byID, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: dirIno("assets/" + byIDName)})
	d.AddChild(byIDName, ch, false)
}

// current returns the installed table (nil before the first listing).
func (d *assetsDir) current() *assetTable {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tab
}

// table returns the names of the current listing: the cached one within
// the TTL, else a fresh one. When the API cannot be reached, the last
// listing (of this mount, or saved by an earlier one) is served; the
// Listing logs that once per outage.
func (d *assetsDir) table(ctx context.Context) (*assetTable, error) {
	if cur := d.current(); cur != nil && cur.saved {
		// Serving a saved listing because the API was down: do not make
		// every lookup wait for it; retry in the background.
		d.retrySoon()
		return d.visible(cur), nil
	}
	// No opContext here: the Listing bounds the shared fetch itself
	// (FetchTimeout = OpTimeout, StaleAfter), and this runs for every
	// lookup, READDIRPLUS entries included, where a context with a timer
	// (and a goroutine watching the FUSE request) per entry cost more than
	// the lookup (issue 6 profile of ls -l of 10,000 assets).
	assets, gen, err := d.listing.Get(ctx)
	if err != nil {
		if toErrno(err) == syscall.EINTR {
			return nil, err
		}
		if t := d.loadSaved(); t != nil {
			d.retrySoon()
			return d.visible(t), nil
		}
		return nil, err
	}
	if cur := d.current(); cur != nil && cur.gen == gen && !cur.saved {
		return d.visible(cur), nil
	}
	return d.visible(d.install(gen, assets)), nil
}

// install builds the table of generation gen (once) and makes it current,
// then tells the kernel to forget names that went away.
func (d *assetsDir) install(gen uint64, assets []api.Asset) *assetTable {
	d.buildMu.Lock()
	defer d.buildMu.Unlock()
	d.mu.Lock()
	old := d.tab
	d.mu.Unlock()
	if old != nil && !old.saved && old.gen >= gen {
		return old // someone built this or a newer generation meanwhile
	}
	assets = d.withoutDeleted(assets)
	t := buildTableKept(gen, assets, d.r.kept.Lookup())
	gone := t.goneNames(old)
	goneIDs := t.goneIDs(old)
	changed := old == nil || old.saved || len(gone) > 0 || len(t.byName) != len(old.byName)
	d.mu.Lock()
	d.tab = t
	if old != nil && changed {
		d.changed = d.r.cfg.Clock()
	}
	d.mu.Unlock()
	if changed {
		d.save(assets)
	}
	for _, id := range goneIDs { // deleted elsewhere: its kept time goes too
		d.r.forgetMtime(assetTimeKey(id))
	}
	if err := d.r.kept.Prune(func(id string) bool { return t.byID[id] != nil }, d.r.cfg.Clock()); err != nil {
		d.r.log.WithError(err).Warn("could not drop the kept names of deleted assets")
	}
	if len(gone) > 0 || len(goneIDs) > 0 {
		d.r.log.WithFields(logrus.Fields{"op": "list", "path": "assets", "gone": len(gone), "assets": len(assets)}).Debug("asset names changed")
		d.r.notifyAsync(func() {
			forgetNames(&d.Inode, gone)
			forgetNames(&d.byID.Inode, goneIDs)
		})
	}
	return t
}

// forgetNames tells the kernel to drop its cached entries for names of dir
// that we once returned (go-fuse still knows them as children). Runs
// without our locks (see notifyAsync).
func forgetNames(dir *gofs.Inode, names []string) {
	for _, name := range names {
		if ch := dir.GetChild(name); ch != nil {
			dir.NotifyDelete(name, ch)
		}
	}
}

// lookup resolves a name of assets/ to its asset. A name missing from the
// current listing is re-checked (assets_recheck.go) before ENOENT, so a
// file uploaded elsewhere a moment ago is found.
func (d *assetsDir) lookup(ctx context.Context, name string) (*api.Asset, error) {
	t, err := d.table(ctx)
	if err != nil {
		return nil, err
	}
	if a := t.byName[name]; a != nil {
		return a, nil
	}
	if t.saved { // the API is down: nothing to re-check against
		return nil, syscall.ENOENT
	}
	if err := d.recheck(ctx); err != nil {
		if toErrno(err) == syscall.EINTR {
			return nil, err
		}
		// The answer stays ENOENT; say why it could not be re-checked.
		d.r.log.WithFields(logrus.Fields{"op": "lookup", "path": "assets/" + name}).WithError(err).Info("re-check of a missing name failed")
		return nil, syscall.ENOENT
	}
	if t, err = d.table(ctx); err != nil {
		return nil, err
	}
	if a := t.byName[name]; a != nil {
		return a, nil
	}
	return nil, syscall.ENOENT
}

// Lookup finds a file of assets/ (or the hidden .by-id directory).
func (d *assetsDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if name == byIDName {
		ch := d.GetChild(byIDName)
		d.r.dirAttr(&out.Attr, d.r.started)
		out.SetEntryTimeout(assetAttrTTL)
		out.SetAttrTimeout(d.r.cfg.DirCacheTTL)
		return ch, 0
	}
	if len(name) > maxNameLen { // POSIX: a name component over NAME_MAX
		return nil, syscall.ENAMETOOLONG
	}
	if !usableName(name) {
		return nil, syscall.ENOENT
	}
	if ch := d.lookupUpload(ctx, name, out); ch != nil {
		return ch, 0
	}
	a, err := d.lookup(ctx, name)
	if err != nil {
		return nil, fail(d.r.log, logrus.Fields{"op": "lookup", "path": "assets/" + name}, err)
	}
	return d.r.assetEntry(ctx, &d.Inode, a, out)
}

// Readdir lists assets/ from the listing cache: one API walk per TTL, no
// request per entry (READDIRPLUS answers each entry's lookup from the same
// table). .by-id is not listed.
func (d *assetsDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	t, err := d.table(ctx)
	if err != nil {
		return nil, fail(d.r.log, logrus.Fields{"op": "readdir", "path": "assets"}, err)
	}
	return withDots(d.EmbeddedInode(), d.dirEntries(t)), 0
}

// Getattr reports assets/ itself; its mtime is when its names last changed.
func (d *assetsDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.mu.Lock()
	mtime := d.changed
	d.mu.Unlock()
	d.r.dirAttr(&out.Attr, mtime)
	out.SetTimeout(d.r.cfg.DirCacheTTL)
	return 0
}

// Unlink deletes the asset behind name (DELETE /assets/{id}).
func (d *assetsDir) Unlink(ctx context.Context, name string) syscall.Errno {
	f := logrus.Fields{"op": "unlink", "path": "assets/" + name}
	if d.r.cfg.ReadOnly {
		return syscall.EROFS
	}
	if d.r.up != nil {
		return fail(d.r.log, f, d.unlinkName(ctx, name))
	}
	a, err := d.lookup(ctx, name)
	if err != nil {
		return fail(d.r.log, f, err)
	}
	f["id"] = a.ID
	if err := d.deleteAsset(ctx, a.ID); err != nil {
		return fail(d.r.log, f, err)
	}
	// The kernel drops assets/<name> itself; .by-id/<id> is ours to drop.
	d.r.notifyWait(otherEntryWait, func() { notifyGone(&d.byID.Inode, a.ID) })
	return 0
}

// otherEntryWait bounds how long an rm waits for the kernel to drop the
// deleted asset's entry in the other directory (assets/ or .by-id/).
const otherEntryWait = time.Second

// notifyGone tells the kernel that name in dir is gone, if the kernel was
// told about it. NotifyEntry, not NotifyDelete: the latter locks the child
// inode, which an unlink in progress holds.
func notifyGone(dir *gofs.Inode, name string) {
	if dir.GetChild(name) != nil {
		dir.NotifyEntry(name)
	}
}

// Rmdir: assets/ holds no directory that can be removed.
func (d *assetsDir) Rmdir(ctx context.Context, name string) syscall.Errno {
	return syscall.EPERM
}

// deleteAsset deletes one asset in the API (already gone counts as done),
// drops it from the cached listing and from the content cache.
func (d *assetsDir) deleteAsset(ctx context.Context, id string) error {
	octx, cancel := d.r.opContext(ctx)
	defer cancel()
	if err := d.r.cfg.Remote.DeleteAsset(octx, id); err != nil && toErrno(err) != syscall.ENOENT {
		return err
	}
	d.mu.Lock()
	d.deleted[id] = true
	d.mu.Unlock()
	d.listing.Update(func(as []api.Asset) []api.Asset { return dropIDs(as, map[string]bool{id: true}) })
	d.r.cfg.Content.Remove(contentKey(id))
	d.r.log.WithFields(logrus.Fields{"op": "unlink", "id": id}).Info("asset deleted")
	// The next lookup or readdir builds the table without it (the listing's
	// generation changed). Not rebuilding here keeps the kernel
	// notifications of that rebuild out of this unlink, whose locks they
	// would wait for.
	return nil
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
	return dropIDs(as, d.deleted)
}

// isDeleted reports whether id was deleted through this mount.
func (d *assetsDir) isDeleted(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deleted[id]
}

// dropIDs returns as without the assets whose id is in ids (a new slice
// when something is dropped; as itself otherwise).
func dropIDs(as []api.Asset, ids map[string]bool) []api.Asset {
	for i := range as {
		if ids[as[i].ID] {
			out := append(make([]api.Asset, 0, len(as)-1), as[:i]...)
			for _, a := range as[i+1:] {
				if !ids[a.ID] {
					out = append(out, a)
				}
			}
			return out
		}
	}
	return as
}

// byIDDir is MOUNT/assets/.by-id: every asset under its bare id. Ids not in
// the listing are asked of the API directly (GET /assets/{id}).
type byIDDir struct {
	gofs.Inode
	bigStatfs
	d *assetsDir
}

// Lookup finds an asset by id: from the listing, else from the API.
func (b *byIDDir) Lookup(ctx context.Context, id string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	f := logrus.Fields{"op": "lookup", "path": "assets/.by-id/" + id, "id": id}
	if len(id) > maxNameLen {
		return nil, syscall.ENAMETOOLONG
	}
	if byIDEntry(id) == "" {
		return nil, syscall.ENOENT
	}
	a, err := b.get(ctx, id)
	if err != nil {
		return nil, fail(b.d.r.log, f, err)
	}
	return b.d.r.assetEntry(ctx, &b.Inode, a, out)
}

// get finds id in the listing, else asks the API.
func (b *byIDDir) get(ctx context.Context, id string) (*api.Asset, error) {
	t, err := b.d.table(ctx)
	if err != nil {
		return nil, err
	}
	if a := t.byID[id]; a != nil {
		return a, nil
	}
	if b.d.isDeleted(id) {
		return nil, syscall.ENOENT
	}
	ctx, cancel := b.d.r.opContext(ctx)
	defer cancel()
	a, err := b.d.r.cfg.Remote.GetAsset(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.ID != id { // never trust an answer about another object
		return nil, syscall.ENOENT
	}
	return a, nil
}

// Readdir lists the ids of the current listing.
func (b *byIDDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	t, err := b.d.table(ctx)
	if err != nil {
		return nil, fail(b.d.r.log, logrus.Fields{"op": "readdir", "path": "assets/.by-id"}, err)
	}
	entries := make([]fuse.DirEntry, 0, len(t.byID))
	for id := range t.byID {
		if byIDEntry(id) != "" {
			entries = append(entries, fuse.DirEntry{Name: id, Mode: syscall.S_IFREG, Ino: assetIno(id)})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return withDots(b.EmbeddedInode(), entries), 0
}

// Getattr reports .by-id itself.
func (b *byIDDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	b.d.r.dirAttr(&out.Attr, b.d.r.started)
	out.SetTimeout(b.d.r.cfg.DirCacheTTL)
	return 0
}

// Unlink deletes the asset with that id, like rm of its name in assets/.
func (b *byIDDir) Unlink(ctx context.Context, id string) syscall.Errno {
	f := logrus.Fields{"op": "unlink", "path": "assets/.by-id/" + id, "id": id}
	if b.d.r.cfg.ReadOnly {
		return syscall.EROFS
	}
	name := ""
	if t := b.d.current(); t != nil {
		name = t.nameOf[id]
	}
	var err error
	if u := b.d.r.up; u != nil { // recorded and retried if the API is down
		err = u.deleteAsset(ctx, byIDName+"/"+id, id)
	} else {
		err = b.d.deleteAsset(ctx, id)
	}
	if err != nil {
		return fail(b.d.r.log, f, err)
	}
	if name != "" { // the kernel drops .by-id/<id> itself; assets/<name> is ours
		b.d.r.notifyWait(otherEntryWait, func() { notifyGone(&b.d.Inode, name) })
	}
	return 0
}
