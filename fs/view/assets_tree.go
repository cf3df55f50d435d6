package view

import (
	"slices"
	"sort"

	"github.com/kreafs/kreafs/api"
)

// NewAssetTree is NewAssetTable with folders (folders.go): names are paths
// under assets/ ("album/beach.png", or "x.png" in assets/ itself), and
// ByName, NameOf and Names are keyed by path. Local folders are added by
// Show (Pending.Folders).
func NewAssetTree(gen uint64, assets []api.Asset, kept func(string) string) *AssetTable {
	return newAssetTree(gen, assets, kept, nil)
}

func newAssetTree(gen uint64, assets []api.Asset, kept func(string) string, folders []string) *AssetTable {
	paths, dirs := assetPaths(assets, kept, folders)
	return &AssetTable{
		Table:   NewTable(gen, assets, paths, func(a *api.Asset) string { return a.ID }),
		Kept:    kept,
		items:   assets,
		tree:    true,
		folders: folders,
		dirs:    dirs,
	}
}

// IsFolder reports whether p is a folder of t ("" is assets/ itself).
// A flat table has no folder but assets/.
func (t *AssetTable) IsFolder(p string) bool {
	if !t.tree {
		return p == ""
	}
	_, ok := t.dirs[p]
	return ok
}

// FolderEmpty reports whether folder p holds neither an asset nor a
// folder (false when p is no folder).
func (t *AssetTable) FolderEmpty(p string) bool {
	if !t.tree {
		return false
	}
	d, ok := t.dirs[p]
	return ok && len(d.files.get()) == 0 && len(d.dirs) == 0
}

// Under lists (sorted) the paths of the assets anywhere under folder p.
func (t *AssetTable) Under(p string) []string {
	d, ok := t.dirs[p]
	if !t.tree || !ok {
		return nil
	}
	out := append([]string(nil), d.files.get()...)
	for _, k := range d.dirs {
		out = append(out, t.Under(JoinPath(p, k))...)
	}
	sort.Strings(out)
	return out
}

// MergeDir is the listing of folder dir of a tree: its folders (each
// wins its name over a queued file), its assets except the names a
// queued file takes, and the queued files whose path lies in dir. When
// two queued files share a path, the later one in queued wins. Entry
// names are the last segment.
func (t *AssetTable) MergeDir(dir string, queued []Queued) *List {
	d := t.dirs[dir]
	if d == nil {
		d = &dirIndex{}
	}
	isDir := make(map[string]bool, len(d.dirs))
	for _, k := range d.dirs {
		isDir[k] = true
	}
	taken := map[string]uint64{}
	for _, q := range queued {
		if qd, n := SplitParent(q.Name); qd == dir && !isDir[n] {
			taken[n] = q.Ino
		}
	}
	files := d.files.get()
	entries := make([]Entry, 0, len(files)+len(d.dirs)+len(taken))
	for _, k := range d.dirs {
		entries = append(entries, Entry{Name: k, Ino: FolderIno(JoinPath(dir, k)), Dir: true})
	}
	for _, p := range files {
		_, n := SplitParent(p)
		if _, ok := taken[n]; ok {
			continue
		}
		a := t.ByName.At(p)
		entries = append(entries, Entry{Name: n, Ino: AssetIno(a.ID), Asset: a})
	}
	for n, ino := range taken {
		entries = append(entries, Entry{Name: n, Ino: ino})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return &List{Entries: entries, Sum: entriesSum(entries)}
}

func sameFolders(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	if slices.IsSorted(a) {
		return slices.Equal(a, b)
	}
	return slices.Equal(sortedCopy(a), b)
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// GoneFolders lists (sorted) the folders of old that t no longer has: the
// kernel must forget those too (old nil or flat: none).
func (t *AssetTable) GoneFolders(old *AssetTable) []string {
	if old == nil || !old.tree {
		return nil
	}
	var gone []string
	for p := range old.dirs {
		if p != "" && !t.IsFolder(p) {
			gone = append(gone, p)
		}
	}
	sort.Strings(gone)
	return gone
}
