package view

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestVisibleNamesComeFromTheVisibleAssetsOnly(t *testing.T) {
	old := asset("old00000aaaa", "a.png", "image/png", -10)  // being replaced (hidden)
	neu := asset("new00000bbbb", "a.png", "image/png", 0)    // its replacement
	other := asset("oth00000cccc", "b.png", "image/png", -5) // unrelated
	cases := []struct {
		name   string
		listed []api.Asset
		hidden []string
		extra  []api.Asset
		want   map[string]string // name -> id
	}{
		{
			name:   "nothing hidden: the oldest keeps the plain name",
			listed: []api.Asset{old, neu, other},
			want:   map[string]string{"a.png": old.ID, "a (new00000).png": neu.ID, "b.png": other.ID},
		},
		{
			name:   "the replaced asset is hidden: the new one is a.png at once",
			listed: []api.Asset{old, neu, other},
			hidden: []string{old.ID},
			want:   map[string]string{"a.png": neu.ID, "b.png": other.ID},
		},
		{
			name:   "an upload the listing lacks shows under its name",
			listed: []api.Asset{old, other},
			hidden: []string{old.ID},
			extra:  []api.Asset{neu},
			want:   map[string]string{"a.png": neu.ID, "b.png": other.ID},
		},
		{
			name:   "a removed asset is gone",
			listed: []api.Asset{other},
			hidden: []string{other.ID},
			want:   map[string]string{},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := NewAssetTable(7, c.listed, nil)
			hidden := map[string]bool{}
			for _, id := range c.hidden {
				hidden[id] = true
			}
			v := tab.Without(hidden, c.extra)
			got := map[string]string{}
			for name, a := range v.ByName.All() {
				got[name] = a.ID
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("names %v, want %v", got, c.want)
			}
			if v.Gen != tab.Gen {
				t.Errorf("generation %d, want %d", v.Gen, tab.Gen)
			}
		})
	}
}

func TestTheSharedListIsWhatMergeLists(t *testing.T) {
	var as []api.Asset
	for i := 0; i < 300; i++ {
		as = append(as, asset(fmt.Sprintf("%08x-56ee", i*7919), "", "image/png", -i))
	}
	as[7].Description, as[9].Description = "dup.png", "dup.png"
	tab := NewAssetTable(3, as, nil)
	v := tab.List()
	want := tab.Merge(nil)
	if !slices.Equal(v.Entries, want.Entries) {
		t.Fatalf("List entries differ from Merge: %d vs %d", len(v.Entries), len(want.Entries))
	}
	if v.Sum != entriesSum(want.Entries) {
		t.Errorf("List sum %x, want %x", v.Sum, entriesSum(want.Entries))
	}
	for _, e := range v.Entries {
		if a := e.Asset; a == nil || a != tab.ByName.At(e.Name) || AssetIno(a.ID) != e.Ino {
			t.Fatalf("entry %q: asset %v, want the table's", e.Name, a)
		}
	}
	if tab.List() != v {
		t.Error("List built twice for one table")
	}
}

func TestShowAppliesTheUploadReportAndKeepsItsTable(t *testing.T) {
	old := asset("old00000aaaa", "a.png", "image/png", 0)
	neu := asset("new00000bbbb", "a.png", "image/png", 10)
	other := asset("oth00000cccc", "b.png", "image/png", 5)
	tab := NewAssetTable(4, []api.Asset{old, other}, nil)
	if got := tab.Show(Pending{Hidden: map[string]bool{"elsewhere": true}}); got != tab {
		t.Error("a report about none of the table's assets must leave the table as it is")
	}
	p := Pending{Hidden: map[string]bool{old.ID: true}, Uploaded: []api.Asset{neu, other}}
	v := tab.Show(p)
	if v.ByName.At("a.png") == nil || v.ByName.At("a.png").ID != neu.ID || v.ByName.At("b.png").ID != other.ID || v.ByName.Len() != 2 {
		t.Fatalf("shown names %v, want a.png = the upload, b.png", v.Names())
	}
	if tab.Show(p) != v {
		t.Error("the same report built the shown table twice")
	}
	if w := tab.Show(Pending{Hidden: map[string]bool{other.ID: true}}); w == v || w.ByName.At("b.png") != nil {
		t.Error("a new report must build a new shown table")
	}
}
