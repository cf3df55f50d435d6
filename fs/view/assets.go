package view

import (
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kreafs/kreafs/api"
)

// AssetTable is one listing generation of assets/ turned into file names
// (AssetNames). It is never edited once built.
type AssetTable struct {
	Table[api.Asset]
	Saved bool                // from the listing saved by an earlier mount
	Kept  func(string) string // names kept on this machine, by asset id; or nil

	listOnce sync.Once
	list     *List // built by List

	items   []api.Asset          // the listing a tree was built from (Grown)
	tree    bool                 // folders shown (NewAssetTree); else one flat directory
	folders []string             // local folders given to Show (sorted)
	dirs    map[string]*dirIndex // tree: folders by path ("" is assets/)

	showMu   sync.Mutex  // held while building shown
	shown    *AssetTable // the last table Show built from t...
	shownKey string      // ...and what it was built from
}

// NewAssetTable names every asset of a listing and indexes it. kept (may
// be nil) gives the name an asset was uploaded under on this machine,
// which wins over its description.
func NewAssetTable(gen uint64, assets []api.Asset, kept func(string) string) *AssetTable {
	return &AssetTable{Table: NewTable(gen, assets, assetNames(assets, kept), func(a *api.Asset) string { return a.ID }), Kept: kept}
}

// Diff compares t with the table it replaces (nil: none): the names and
// the ids the kernel must forget, and whether assets/ now shows other
// names (always after no table or a saved one), which moves its mtime and
// is worth saving.
func (t *AssetTable) Diff(old *AssetTable) (gone, goneIDs []string, changed bool) {
	if old == nil {
		return nil, nil, true
	}
	gone, changed = t.Table.Diff(&old.Table)
	return gone, t.GoneIDs(&old.Table), changed || old.Saved
}

// Without is t as assets/ shows it while uploads are pending: without the
// hidden assets (being deleted, or replaced by a queued file) and with the
// finished uploads the listing lacks (extra). Names are computed from the
// shown assets only, so an overwritten asset still listed does not push
// its replacement to a suffixed name.
func (t *AssetTable) Without(hidden map[string]bool, extra []api.Asset) *AssetTable {
	return t.without(hidden, extra, t.folders)
}

func (t *AssetTable) without(hidden map[string]bool, extra []api.Asset, folders []string) *AssetTable {
	assets := make([]api.Asset, 0, t.ByName.Len()+len(extra))
	for _, name := range t.Names() {
		if a := t.ByName.At(name); !hidden[a.ID] {
			assets = append(assets, *a)
		}
	}
	assets = append(assets, extra...)
	var v *AssetTable
	if t.tree {
		v = newAssetTree(t.Gen, assets, t.Kept, folders)
	} else {
		v = NewAssetTable(t.Gen, assets, t.Kept)
	}
	v.Saved = t.Saved
	return v
}

// Pending is what the upload side reports to a listing of assets/, in one
// call.
type Pending struct {
	Queued   []Queued        // files written and not uploaded yet
	Hidden   map[string]bool // asset ids being deleted, or replaced by a queued file
	Uploaded []api.Asset     // finished uploads, which the listing may lack yet
	Folders  []string        // local folders (paths under assets/); shown by a tree only
}

// Show is t as assets/ shows it with p: t.Without the hidden assets t
// has, plus the finished uploads t lacks. The result is kept until what
// it is built from changes, so that a listing of many assets is re-named
// only when an upload or a delete changes it.
func (t *AssetTable) Show(p Pending) *AssetTable {
	var hid []string
	for id := range p.Hidden {
		if t.ByID.At(id) != nil {
			hid = append(hid, id)
		}
	}
	var extra []api.Asset
	for _, a := range p.Uploaded {
		if t.ByID.At(a.ID) == nil && !p.Hidden[a.ID] {
			extra = append(extra, a)
		}
	}
	folders := t.folders
	if t.tree && !sameFolders(p.Folders, t.folders) {
		folders = sortedCopy(p.Folders)
	}
	if len(hid) == 0 && len(extra) == 0 && sameFolders(folders, t.folders) {
		return t
	}
	sort.Strings(hid)
	var key strings.Builder
	for _, f := range folders {
		key.WriteString(strconv.Quote(f) + ",")
	}
	key.WriteString("/-")
	for _, id := range hid {
		key.WriteString(id + ",")
	}
	key.WriteString("/+")
	for _, a := range extra {
		key.WriteString(a.ID + ",")
	}
	k := key.String()
	t.showMu.Lock()
	defer t.showMu.Unlock()
	if t.shown == nil || t.shownKey != k {
		var v *AssetTable
		if len(hid) == 0 && sameFolders(folders, t.folders) {
			v = t.plusOwn(t.Gen, extra) // nil unless the extras' names are theirs alone
		}
		if v == nil {
			v = t.without(p.Hidden, extra, folders)
		}
		t.shown, t.shownKey = v, k
	}
	return t.shown
}

// Queued is a file written into assets/ and not uploaded yet, as the
// upload side reports it for listings.
type Queued struct {
	Name string // its name in assets/
	Ino  uint64 // its inode number
}

// Entry is one name of a listing of assets/ (a regular file).
type Entry struct {
	Name  string
	Ino   uint64
	Asset *api.Asset // the listed asset behind the name; nil for a queued file or a folder
	Dir   bool       // a folder (tree only)
}

// List is what one open of assets/ lists: entries sorted by name, and a
// checksum of their names and inode numbers (never 0), which tells
// whether the kernel's copy of the listing is still this one.
type List struct {
	Entries []Entry
	Sum     uint64
}

// List returns the listing of t alone (no queued file). It is built once
// per table and shared read-only by every open.
func (t *AssetTable) List() *List {
	t.listOnce.Do(func() { t.list = t.Merge(nil) })
	return t.list
}

// Merge is the listing of assets/: the assets of t under their names,
// except the names a queued file takes, plus the queued files. When two
// queued files share a name, the later one in queued wins. In a tree
// (NewAssetTree) it lists assets/ itself only (MergeDir).
func (t *AssetTable) Merge(queued []Queued) *List {
	if t.tree {
		return t.MergeDir("", queued)
	}
	taken := make(map[string]uint64, len(queued))
	for _, q := range queued {
		taken[q.Name] = q.Ino
	}
	names := t.Names()
	entries := make([]Entry, 0, len(names)+len(taken))
	for _, name := range names {
		if _, ok := taken[name]; ok {
			continue
		}
		a := t.ByName.At(name)
		entries = append(entries, Entry{Name: name, Ino: AssetIno(a.ID), Asset: a})
	}
	if len(taken) > 0 {
		for name, ino := range taken {
			entries = append(entries, Entry{Name: name, Ino: ino})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	}
	return &List{Entries: entries, Sum: entriesSum(entries)}
}

// entriesSum is a checksum of a listing: names and inode numbers, in
// order. Never 0.
func entriesSum(entries []Entry) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for _, e := range entries {
		_, _ = h.Write([]byte(e.Name))
		for i := 0; i < 8; i++ {
			b[i] = byte(e.Ino >> (8 * i))
		}
		_, _ = h.Write(b[:])
	}
	if s := h.Sum64(); s != 0 {
		return s
	}
	return 1
}

// StyleTable is one listing generation of styles/ turned into directory
// names (StyleNames).
type StyleTable = Table[api.Style]

// NewStyleTable names every style of a listing and indexes it.
func NewStyleTable(gen uint64, styles []api.Style) *StyleTable {
	t := NewTable(gen, styles, StyleNames(styles), func(s *api.Style) string { return s.ID })
	return &t
}

// DropIDs returns as without the assets whose id is in ids (a new slice
// when something is dropped; as itself otherwise).
func DropIDs(as []api.Asset, ids map[string]bool) []api.Asset {
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
