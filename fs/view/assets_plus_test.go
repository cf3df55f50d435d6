package view

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/kreafs/kreafs/api"
)

// tableShape is what a table shows: every path's asset id, the folders
// and their contents, and the sorted names.
func tableShape(t *AssetTable) string {
	byName := map[string]string{}
	for p, a := range t.ByName.All() {
		byName[p] = a.ID
	}
	dirs := map[string][2][]string{}
	for p, d := range t.dirs {
		dirs[p] = [2][]string{d.files.get(), d.dirs}
	}
	return fmt.Sprint(t.Gen, t.Names(), byName, t.NameOf.Map(), dirs)
}

// Adding assets to a built table gives exactly the table a full naming of
// all the assets gives, whenever plusOwn answers: same names for the old
// assets, the wanted paths for the new, same folders. Random accounts with
// duplicate wishes, folders, kept names and names that look suffixed.
func TestATablePlusNewAssetsIsTheTableOfThemAll(t *testing.T) {
	wishes := []string{"a.png", "b.png", "album/a.png", "album/c.png", "album", "x/y/z.png", "a", "c.png",
		"a (old00001).png", "album/b.png", "d.png", "e.png", "f.png", "album/g.png", "x/h.png"}
	rng := rand.New(rand.NewSource(1))
	answered, declined := 0, 0
	for round := 0; round < 2000; round++ {
		n := rng.Intn(12)
		var base []api.Asset
		for i := 0; i < n; i++ {
			base = append(base, asset(fmt.Sprintf("old%05d", i), wishes[rng.Intn(len(wishes))], "image/png", -rng.Intn(50)))
		}
		kept := map[string]string{}
		var add []api.Asset
		for i := 0; i < 1+rng.Intn(3); i++ {
			a := asset(fmt.Sprintf("new%05d", i), wishes[rng.Intn(len(wishes))], "image/png", 10+rng.Intn(5))
			if rng.Intn(3) == 0 {
				kept[a.ID] = wishes[rng.Intn(len(wishes))] // the name it was written under
			}
			add = append(add, a)
		}
		if rng.Intn(10) == 0 && n > 0 { // an asset the table has already
			add = append(add, base[0])
		}
		keptOf := func(id string) string { return kept[id] }
		before := NewAssetTree(7, base, keptOf)
		beforeShape := tableShape(before)
		got := before.plusOwn(8, add)
		if tableShape(before) != beforeShape {
			t.Fatalf("round %d: plusOwn changed the table it was given", round)
		}
		if got == nil {
			declined++
			continue
		}
		answered++
		want := NewAssetTree(8, append(append([]api.Asset(nil), add...), base...), keptOf)
		if g, w := tableShape(got), tableShape(want); g != w {
			t.Fatalf("round %d: base %v plus %v (kept %v):\n got %s\nwant %s", round, descs(base), descs(add), kept, g, w)
		}
		if !reflect.DeepEqual(got.List().Entries, want.List().Entries) {
			t.Fatalf("round %d: the listings differ", round)
		}
	}
	if answered < 200 || declined < 200 {
		t.Errorf("plusOwn answered %d and declined %d of 2000 random additions: the test no longer exercises both", answered, declined)
	}
}

func descs(as []api.Asset) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID+"="+a.Description)
	}
	return out
}

// The usual case of a bulk copy, a new name in an account of many, is
// answered, and a name someone holds is left to the full build.
func TestPlusAddsANewNameAndLeavesATakenOneToAFullBuild(t *testing.T) {
	var base []api.Asset
	for i := 0; i < 1000; i++ {
		base = append(base, asset(fmt.Sprintf("old%05d", i), fmt.Sprintf("img-%04d.png", i), "image/png", -i))
	}
	tab := NewAssetTree(1, base, nil)
	got := tab.plusOwn(2, []api.Asset{asset("new00001", "copied.png", "image/png", 1)})
	if got == nil || got.ByName.At("copied.png") == nil || got.ByName.At("copied.png").ID != "new00001" || got.ByName.Len() != 1001 {
		t.Fatal("a new name was not added")
	}
	if tab.ByName.At("copied.png") != nil || len(tab.Names()) != 1000 {
		t.Error("the table plusOwn was given changed")
	}
	if tab.plusOwn(2, []api.Asset{asset("new00002", "img-0003.png", "image/png", 1)}) != nil {
		t.Error("a name an asset holds needs the naming rules: plusOwn must decline")
	}
}

// A listing grown in place by the listing edits (uploads landing) gives
// the table plusOwn the new assets; a listing fetched anew, even with the
// same assets, is named in full.
func TestATableGrownInPlaceAddsOnlyTheAppendedAssets(t *testing.T) {
	var listing []api.Asset
	for i := 0; i < 50; i++ {
		listing = append(listing, asset(fmt.Sprintf("old%05d", i), fmt.Sprintf("img-%02d.png", i%40), "image/png", -i))
	}
	tab := NewAssetTree(1, listing, nil)
	grown := WithAssets([]api.Asset{asset("new00001", "rsynced.png", "image/png", 1), asset("new00002", "b2.png", "image/png", 2)})(listing)
	got, added := tab.Grown(2, grown)
	if got == nil {
		t.Fatal("a listing grown by appends was not grown")
	}
	if !reflect.DeepEqual(added, []string{"rsynced.png", "b2.png"}) {
		t.Errorf("added %v", added)
	}
	if want := NewAssetTree(2, grown, nil); tableShape(got) != tableShape(want) {
		t.Fatalf("grown table differs from the full build:\n got %s\nwant %s", tableShape(got), tableShape(want))
	}
	again, _ := got.Grown(3, WithAsset(asset("new00003", "c.png", "image/png", 3))(grown))
	if again == nil || again.ByName.At("c.png") == nil || again.ByName.At("rsynced.png") == nil {
		t.Fatal("a grown table does not grow again")
	}
	if nt, _ := tab.Grown(2, append([]api.Asset(nil), grown...)); nt != nil {
		t.Error("a copy of the listing (a fetch) must be named in full")
	}
	other := append(make([]api.Asset, 0, 60), listing...) // a listing of its own to grow
	if nt, _ := NewAssetTree(1, other, nil).Grown(2, WithAsset(asset("new00004", "new/folder.png", "image/png", 4))(other)); nt != nil {
		t.Error("an asset in a folder the table lacks must be named in full")
	}
}

// A table grown by hundreds of uploads one at a time (its indexes shared
// with the tables before it, folded now and then) is the table a full
// build makes, and the tables on the way still read as they did.
func TestATableGrownByManyUploadsIsTheFullBuildAndLeavesEarlierOnesAlone(t *testing.T) {
	var listing []api.Asset
	for i := 0; i < 400; i++ {
		listing = append(listing, asset(fmt.Sprintf("old%05d", i), fmt.Sprintf("img-%03d.png", i), "image/png", -i))
	}
	tab := NewAssetTree(1, listing, nil)
	first, firstShape := tab, tableShape(tab)
	var middle *AssetTable
	var middleShape string
	cur, grown := listing, 0
	for i := 0; i < 300; i++ {
		cur = WithAsset(asset(fmt.Sprintf("new%05d", i), fmt.Sprintf("copied-%03d.png", i), "image/png", i))(cur)
		next, _ := tab.Grown(uint64(i+2), cur)
		if next == nil { // the listing moved to a new array: a full build, as installLocked does
			next = NewAssetTree(uint64(i+2), cur, nil)
		} else {
			grown++
		}
		if tab = next; i == 150 {
			middle, middleShape = tab, tableShape(tab)
		}
	}
	if grown < 250 {
		t.Fatalf("only %d of 300 uploads grew the table", grown)
	}
	if want := NewAssetTree(301, cur, nil); tableShape(tab) != tableShape(want) {
		t.Fatal("the grown table differs from the full build")
	}
	if tableShape(first) != firstShape || tableShape(middle) != middleShape {
		t.Fatal("growing changed a table grown before")
	}
}
