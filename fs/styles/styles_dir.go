package styles

// styles/: its state (the installed name table, the styles fetched by
// id) and what a name leads to. The FUSE operations are in
// styles_dir_ops.go, styles_byid_ops.go and styles_dir_rename.go (mv);
// one style's directory is in style_dir_ops.go, the naming rules in
// package view.
//
// Locking: stylesDir.names (node.DirTable) holds the installed table and
// the mtime; stylesDir.mu guards fetched (styles got by id) and is never
// held with another lock. None is held while calling the API, the
// listing, or a go-fuse Notify* function (those run in node.Mount.NotifyAsync).

import (
	"context"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"

	"github.com/kreafs/kreafs/fs/generate"
	"github.com/kreafs/kreafs/fs/named"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// styleFilters are the GET /styles filters whose union styles/ lists: the
// user's own styles and those shared with them. ("all" would add every
// public style of the community; those are reached through .by-id.)
var styleFilters = []string{"user", "shared"}

// fetchedStyle is a style got by id (GET /styles/{id}) and when.
type fetchedStyle struct {
	style api.Style
	at    time.Time
}

// maxFetchedStyles bounds the styles remembered from lookups by id.
const maxFetchedStyles = 1000

// stylesDir is MOUNT/styles.
type stylesDir struct {
	gofs.Inode
	r       *node.Mount
	listing *cache.Listing[api.Style]
	byIDDir *styleByIDDir
	exts    *node.ExtProber

	names node.DirTable[view.StyleTable] // the installed table and the mtime
	named *named.Set                     // directories made to train styles (named_host.go)

	mu      sync.Mutex
	fetched map[string]*fetchedStyle // style id -> style got by id
}

func New(r *node.Mount) gofs.InodeEmbedder {
	d := &stylesDir{r: r, exts: node.NewExtProber(r), fetched: make(map[string]*fetchedStyle)}
	d.names.Changed = r.Started
	d.byIDDir = &styleByIDDir{d: d}
	d.named = named.New(r, generate.Styles, &namedHost{d: d})
	d.listing = cache.NewListing(cache.ListingConfig[api.Style]{
		TTL:          r.Cfg.DirCacheTTL,
		Clock:        r.Cfg.Clock,
		Fetch:        d.fetchAll,
		Log:          r.Log,
		Name:         "styles",
		FetchTimeout: r.Cfg.OpTimeout,
	})
	return d
}

// fetchAll lists the union of styleFilters, each followed to its last
// page, without duplicates (a style can be both the user's and shared).
func (d *stylesDir) fetchAll(ctx context.Context) ([]api.Style, error) {
	var all []api.Style
	seen := make(map[string]bool)
	for _, f := range styleFilters {
		ss, err := d.r.Cfg.Remote.AllStyles(ctx, api.StyleListOptions{Filter: f})
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			if !seen[s.ID] {
				seen[s.ID] = true
				all = append(all, s)
			}
		}
	}
	return all, nil
}

// OnAdd adds the hidden .by-id directory once styles/ is in the tree.
func (d *stylesDir) OnAdd(ctx context.Context) {
	node.AddByID(ctx, &d.Inode, "styles", d.byIDDir)
}

// table returns the names of the current listing (see assetsDir.table:
// same rules, including serving the previous table when a refresh fails).
func (d *stylesDir) table(ctx context.Context, force bool) (*view.StyleTable, error) {
	ctx, cancel := d.r.OpContext(ctx)
	defer cancel()
	styles, gen, err := node.FetchListing(ctx, d.listing, force)
	cur := d.names.Current()
	if err != nil {
		if cur != nil && node.ToErrno(err) != syscall.EINTR {
			d.r.Log.WithFields(logrus.Fields{"op": "list", "path": "styles"}).WithError(err).Warn("listing failed; serving the previous one")
			return cur, nil
		}
		return nil, err
	}
	if cur != nil && cur.Gen == gen {
		return cur, nil
	}
	return d.install(gen, styles), nil
}

// install builds and installs the table of generation gen, then tells the
// kernel to forget names that no longer lead to the same style.
func (d *stylesDir) install(gen uint64, styles []api.Style) *view.StyleTable {
	var gone []string
	keep := func(old *view.StyleTable) bool { return old.Gen >= gen }
	build := func(old *view.StyleTable) (*view.StyleTable, bool) {
		t := view.NewStyleTable(gen, styles)
		var changed bool
		gone, changed = t.Diff(old)
		return t, changed
	}
	return d.names.Install(keep, build, d.r.Cfg.Clock, func(*view.StyleTable) {
		if len(gone) > 0 {
			d.r.NotifyAsync(func() { node.ForgetNames(&d.Inode, gone) })
		}
	})
}

// style returns the latest known state of style id: from the listing,
// else as fetched by id within the TTL, else fetched now (GET
// /styles/{id}: any style the API shows, public ones included).
func (d *stylesDir) style(ctx context.Context, id string) (api.Style, error) {
	t, err := d.table(ctx, false)
	if err != nil {
		return api.Style{}, err
	}
	if s := t.ByID.At(id); s != nil {
		return *s, nil
	}
	now := d.r.Cfg.Clock()
	d.mu.Lock()
	fs := d.fetched[id]
	d.mu.Unlock()
	if fs != nil && now.Sub(fs.at) < d.r.Cfg.DirCacheTTL {
		return fs.style, nil
	}
	if !view.IDLike(id) { // .directory, desktop.ini...: no request
		return api.Style{}, syscall.ENOENT
	}
	octx, cancel := d.r.OpContext(ctx)
	defer cancel()
	s, err := d.r.Cfg.Remote.GetStyle(octx, id)
	if err != nil {
		if fs != nil && node.ToErrno(err) != syscall.ENOENT && node.ToErrno(err) != syscall.EINTR {
			d.r.Log.WithFields(logrus.Fields{"op": "lookup", "path": "styles/.by-id/" + id, "id": id}).WithError(err).Debug("style refresh failed; serving the last one")
			return fs.style, nil
		}
		return api.Style{}, err
	}
	if s.ID != id { // never trust an answer about another object
		return api.Style{}, syscall.ENOENT
	}
	d.mu.Lock()
	if len(d.fetched) >= maxFetchedStyles {
		d.fetched = make(map[string]*fetchedStyle)
	}
	d.fetched[id] = &fetchedStyle{style: *s, at: now}
	d.mu.Unlock()
	return *s, nil
}

// styleDirIno is the inode number of a style's directory. A directory
// can have only one name in the kernel, so the listed name, the hidden
// styles/<id> alias and .by-id/<id> are three inodes of the same style.
func styleDirIno(id string, via string) uint64 { return node.InoFor("style:" + via + ":" + id) }

// Ways a style's directory is reached.
const (
	viaName  = "name"  // styles/<name>, as listed
	viaAlias = "alias" // styles/<id>, hidden (what a job's style link uses)
	viaByID  = "by-id" // styles/.by-id/<id>
)

// styleEntry returns the node of style s reached via via, and fills out.
func (d *stylesDir) styleEntry(ctx context.Context, parent *gofs.Inode, s *api.Style, via string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	ino := styleDirIno(s.ID, via)
	ch := parent.NewInode(ctx, &styleDir{d: d, id: s.ID, via: via}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: ino})
	d.r.DirAttr(&out.Attr, styleMtime(d.r, s))
	out.Ino = ino
	out.SetEntryTimeout(d.r.Cfg.DirCacheTTL)
	out.SetAttrTimeout(d.r.Cfg.DirCacheTTL)
	return ch, 0
}

// styleMtime is a style directory's mtime: created_at when it parses.
func styleMtime(r *node.Mount, s *api.Style) time.Time {
	if t := view.StyleTime(s); !t.IsZero() {
		return t
	}
	return r.Started
}

// lookup resolves a name of styles/: a listed name, else a style id. A
// name the listing lacks costs one rate-limited refresh of the listing and
// then a GET by id, but only when it is shaped like an id: other names
// (.directory, desktop.ini, a title not listed) are answered from the
// listing alone.
func (d *stylesDir) lookup(ctx context.Context, name string) (*api.Style, string, error) {
	t, err := d.table(ctx, false)
	if err != nil {
		return nil, "", err
	}
	if s := t.ByName.At(name); s != nil {
		return s, viaName, nil
	}
	if s := t.ByID.At(name); s != nil {
		return s, viaAlias, nil
	}
	if !view.IDLike(name) {
		return nil, "", syscall.ENOENT
	}
	if t, err = d.table(ctx, true); err != nil {
		return nil, "", err
	}
	if s := t.ByName.At(name); s != nil {
		return s, viaName, nil
	}
	s, err := d.style(ctx, name)
	if err != nil {
		return nil, "", err
	}
	return &s, viaAlias, nil
}
