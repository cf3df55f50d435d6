package view

// A table plus a few new assets, without naming the account again.
//
// Building a table names every asset (NewAssetTree: O(assets), about a
// millisecond per thousand), and a bulk copy adds one asset per finished
// upload: rebuilding for each made the upload path and the lookups of the
// copying program cost O(account) per file. plusOwn adds assets to a built
// table when their names cannot change anyone else's, which is the usual
// case: a new asset wants a path nobody holds.

import (
	"maps"
	"slices"

	"github.com/kreafs/kreafs/api"
)

// plusOwn is the table of generation gen holding t's assets and add: the
// table NewAssetTree would build from them (same names, same folders),
// made by copying t's indexes instead of naming every asset again. It
// returns nil, and the caller builds the table in full, unless each added
// asset is new to t and wants (WantedPath) a path in a folder t has that
// no asset or folder of t holds and no other added asset wants: then the
// full build gives each its wanted path and every other asset the name it
// has in t (the naming rules only move an asset's name when another wants
// a name it holds or tried). t must be a tree and not saved.
func (t *AssetTable) plusOwn(gen uint64, add []api.Asset) *AssetTable {
	return t.plus(gen, slices.Clone(add)) // the new table's own, as a build's are
}

// Grown is the table of generation gen for assets, a listing that grew
// from the one t was built from by appends in place (WithAssets: the same
// array, t's items first): t plus the appended assets, or nil when
// assets is not such a listing (a fetch, a delete) or plus declines;
// with the paths of the appended assets. Telling so costs nothing per
// asset: no listing edit rewrites an item in place, so the shared first
// item means t's items are unchanged.
func (t *AssetTable) Grown(gen uint64, assets []api.Asset) (nt *AssetTable, added []string) {
	n := len(t.items)
	if n == 0 || len(assets) <= n || &assets[0] != &t.items[0] {
		return nil, nil
	}
	if nt = t.plus(gen, assets[n:]); nt == nil {
		return nil, nil
	}
	nt.items = assets
	for _, a := range assets[n:] {
		added = append(added, nt.NameOf.At(a.ID))
	}
	return nt, added
}

// plus is plusOwn with items the new table may point into.
func (t *AssetTable) plus(gen uint64, items []api.Asset) *AssetTable {
	if !t.tree || t.Saved || len(items) == 0 {
		return nil
	}
	paths := make([]string, len(items))
	seenIDs := make(map[string]bool, len(items))
	seenPaths := make(map[string]bool, len(items))
	for i := range items {
		a := &items[i]
		if t.ByID.At(a.ID) != nil || seenIDs[a.ID] {
			return nil
		}
		kept := ""
		if t.Kept != nil {
			kept = t.Kept(a.ID)
		}
		d, n := WantedPath(a, kept)
		p := JoinPath(d, n)
		if _, ok := t.dirs[d]; !ok || t.ByName.At(p) != nil || t.IsFolder(p) || seenPaths[p] {
			return nil
		}
		seenIDs[a.ID], seenPaths[p] = true, true
		paths[i] = p
	}
	byName := make(map[string]*api.Asset, len(items))
	byID := make(map[string]*api.Asset, len(items))
	nameOf := make(map[string]string, len(items))
	byDir := map[string][]string{}
	for i := range items {
		a, p := &items[i], paths[i]
		byName[p], byID[a.ID], nameOf[a.ID] = a, a, p
		d, _ := SplitParent(p)
		byDir[d] = append(byDir[d], p)
	}
	nt := &AssetTable{
		Table: Table[api.Asset]{
			Gen:    gen,
			names:  t.names.plus(paths),
			ByName: t.ByName.with(byName),
			ByID:   t.ByID.with(byID),
			NameOf: t.NameOf.with(nameOf),
			id:     t.id,
		},
		Kept:    t.Kept,
		tree:    true,
		folders: t.folders,
		dirs:    maps.Clone(t.dirs),
	}
	for d, ps := range byDir { // copy on write: t's folders stay as they are
		old := t.dirs[d]
		nt.dirs[d] = &dirIndex{files: old.files.plus(ps), dirs: old.dirs}
	}
	return nt
}

// insertSorted is sorted (sorted) with add inserted in order, in a new slice.
func insertSorted(sorted, add []string) []string {
	add = slices.Clone(add)
	slices.Sort(add)
	out := make([]string, 0, len(sorted)+len(add))
	i := 0
	for _, s := range add {
		j, _ := slices.BinarySearch(sorted[i:], s)
		out = append(out, sorted[i:i+j]...)
		out = append(out, s)
		i += j
	}
	return append(out, sorted[i:]...)
}
