package view

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestADescriptionThatIsAPathShowsInFolders(t *testing.T) {
	for _, tc := range []struct {
		desc string
		want []string // segments; nil: stays a flat name
	}{
		{"album/beach.png", []string{"album", "beach.png"}},
		{"2024/summer/day 1/a sunset", []string{"2024", "summer", "day 1", "a sunset"}},
		{"beach.png", nil},
		{"/beach.png", nil},
		{"album/", nil},
		{"a//b.png", nil},
		{"../x.png", nil},
		{"a/./b.png", nil},
		{"sunset / dusk", nil},
		{"a/.by-id/b.png", nil},
		{"a/.kreafs/b.png", nil},
		{"a/b\nc.png", nil},
		{"a/" + strings.Repeat("x", 256), nil},
		{strings.Repeat("d/", MaxDepth-1) + "x.png", strings.Split(strings.Repeat("d/", MaxDepth-1)+"x.png", "/")},
		{strings.Repeat("d/", MaxDepth) + "x.png", nil},
		{"https://example.com/x.png", nil},
	} {
		got, ok := SplitPath(tc.desc)
		if ok != (tc.want != nil) || !reflect.DeepEqual(got, tc.want) && tc.want != nil {
			t.Errorf("SplitPath(%q) = %q, %v; want %q", tc.desc, got, ok, tc.want)
		}
	}
}

func TestWantedPathNamesTheLastSegmentLikeAFlatDescription(t *testing.T) {
	for _, tc := range []struct {
		desc, mime, kept string
		dir, name        string
	}{
		{"album/beach.png", "image/png", "", "album", "beach.png"},
		{"album/a sunset", "image/png", "", "album", "a sunset.png"},
		{"a/b/c.jpg", "image/jpeg", "", "a/b", "c.jpg"},
		{"sunset / dusk", "image/png", "", "", "id000001.png"},
		{"album/beach.png", "image/png", "trip/b.png", "trip", "b.png"},
		{"album/beach.png", "image/png", "flat.png", "", "flat.png"},
		{"album/beach.png", "image/png", "bad//kept", "album", "beach.png"},
	} {
		a := asset("id000001", tc.desc, tc.mime, 0)
		d, n := WantedPath(&a, tc.kept)
		if d != tc.dir || n != tc.name {
			t.Errorf("WantedPath(%q, kept %q) = %q, %q; want %q, %q", tc.desc, tc.kept, d, n, tc.dir, tc.name)
		}
	}
}

func listNames(l *List) []string {
	var out []string
	for _, e := range l.Entries {
		n := e.Name
		if e.Dir {
			n += "/"
		}
		out = append(out, n)
	}
	return out
}

func TestATreeListsEachFolderWithItsFilesAndFolders(t *testing.T) {
	as := []api.Asset{
		asset("aaaaaaaa1", "album/beach.png", "image/png", 0),
		asset("bbbbbbbb2", "album/2024/dusk.png", "image/png", 1),
		asset("cccccccc3", "top.png", "image/png", 2),
		asset("dddddddd4", "album/beach.png", "image/png", 3), // duplicate within the folder
		asset("eeeeeeee5", "beach.png", "image/png", 4),       // same leaf elsewhere: no clash
	}
	tr := NewAssetTree(1, as, nil)
	if got, want := listNames(tr.List()), []string{"album/", "beach.png", "top.png"}; !reflect.DeepEqual(got, want) {
		t.Errorf("assets/ lists %q, want %q", got, want)
	}
	if got, want := listNames(tr.MergeDir("album", nil)), []string{"2024/", "beach (dddddddd).png", "beach.png"}; !reflect.DeepEqual(got, want) {
		t.Errorf("assets/album lists %q, want %q", got, want)
	}
	if got, want := listNames(tr.MergeDir("album/2024", nil)), []string{"dusk.png"}; !reflect.DeepEqual(got, want) {
		t.Errorf("assets/album/2024 lists %q, want %q", got, want)
	}
	if tr.NameOf.At("bbbbbbbb2") != "album/2024/dusk.png" || tr.ByName.At("album/beach.png").ID != "aaaaaaaa1" {
		t.Errorf("paths by id: %v", tr.NameOf.Map())
	}
	if !tr.IsFolder("album/2024") || tr.IsFolder("album/beach.png") || tr.IsFolder("nope") {
		t.Error("IsFolder is wrong")
	}
	if got, want := tr.Under("album"), []string{"album/2024/dusk.png", "album/beach (dddddddd).png", "album/beach.png"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Under(album) = %q, want %q", got, want)
	}
	// The flat table of the same assets is unchanged: paths are not names.
	flat := NewAssetTable(1, as, nil)
	for _, e := range flat.List().Entries {
		if e.Dir || strings.Contains(e.Name, "/") {
			t.Errorf("flat table lists %q", e.Name)
		}
	}
}

func TestAFolderWinsItsNameOverAFileWhichStaysReachable(t *testing.T) {
	as := []api.Asset{
		asset("ffffffff1", "album", "image/png", 0), // older than the folder's asset
		asset("gggggggg2", "album/x.png", "image/png", 5),
	}
	tr := NewAssetTree(1, as, nil)
	got := listNames(tr.List())
	want := []string{"album/", "album (ffffffff)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("assets/ lists %q, want %q", got, want)
	}
	if tr.NameOf.At("ffffffff1") != "album (ffffffff)" {
		t.Errorf("file named %q", tr.NameOf.At("ffffffff1"))
	}
}

func TestLocalFoldersShowUntilRemovedAndNestFolders(t *testing.T) {
	as := []api.Asset{asset("aaaaaaaa1", "x.png", "image/png", 0)}
	tr := NewAssetTree(1, as, nil)
	shown := tr.Show(Pending{Folders: []string{"new/inner", "empty"}})
	if got, want := listNames(shown.List()), []string{"empty/", "new/", "x.png"}; !reflect.DeepEqual(got, want) {
		t.Errorf("assets/ lists %q, want %q", got, want)
	}
	if !shown.FolderEmpty("empty") || shown.FolderEmpty("new") || !shown.FolderEmpty("new/inner") {
		t.Error("FolderEmpty is wrong")
	}
	if again := tr.Show(Pending{Folders: []string{"empty", "new/inner"}}); again != shown {
		t.Error("the same folders in another order built another table")
	}
	if tr.Show(Pending{}) != tr {
		t.Error("no folders: not the table itself")
	}
	// A local folder that is not a usable path is not shown.
	if bad := tr.Show(Pending{Folders: []string{"a//b", ".by-id"}}); len(bad.List().Entries) != 1 {
		t.Errorf("unusable local folders listed: %q", listNames(bad.List()))
	}
}

func TestQueuedFilesListInTheirFolder(t *testing.T) {
	as := []api.Asset{asset("aaaaaaaa1", "album/x.png", "image/png", 0)}
	tr := NewAssetTree(1, as, nil).Show(Pending{Folders: []string{"album/sub"}})
	l := tr.MergeDir("album", []Queued{{Name: "album/new.png", Ino: 7}, {Name: "top.png", Ino: 8}, {Name: "album/sub", Ino: 9}, {Name: "album/x.png", Ino: 10}})
	if got, want := listNames(l), []string{"new.png", "sub/", "x.png"}; !reflect.DeepEqual(got, want) {
		t.Errorf("assets/album lists %q, want %q", got, want)
	}
	for _, e := range l.Entries {
		if e.Name == "x.png" && (e.Ino != 10 || e.Asset != nil) {
			t.Error("a queued file does not win over the listed asset of its path")
		}
	}
}

func TestHidingTheOnlyAssetOfAFolderRemovesTheFolder(t *testing.T) {
	as := []api.Asset{asset("aaaaaaaa1", "album/x.png", "image/png", 0), asset("bbbbbbbb2", "y.png", "image/png", 1)}
	tr := NewAssetTree(1, as, nil).Show(Pending{Hidden: map[string]bool{"aaaaaaaa1": true}})
	if got, want := listNames(tr.List()), []string{"y.png"}; !reflect.DeepEqual(got, want) {
		t.Errorf("assets/ lists %q, want %q", got, want)
	}
}

func TestJunkInAFolderIsHeldLikeJunkInAssets(t *testing.T) {
	for _, tc := range []struct {
		p    string
		hold bool
	}{
		{"album/beach.png", false},
		{"album/.beach.png.swp", true},
		{"album/.beach.png.Xy12Ab", true}, // rsync's temporary name
		{"a.b/beach.png", false},
		{"beach.png~", true},
	} {
		if got := HoldPath(tc.p); got != tc.hold {
			t.Errorf("HoldPath(%q) = %v, want %v", tc.p, got, tc.hold)
		}
	}
}

func TestAFolderWhoseLastAssetWentIsGone(t *testing.T) {
	a := asset("aaaaaaaa1", "album/2024/x.png", "image/png", 0)
	b := asset("bbbbbbbb2", "y.png", "image/png", 1)
	old := NewAssetTree(1, []api.Asset{a, b}, nil)
	neu := NewAssetTree(2, []api.Asset{b}, nil)
	if got := neu.GoneFolders(old); !reflect.DeepEqual(got, []string{"album", "album/2024"}) {
		t.Errorf("GoneFolders = %q", got)
	}
	if got := old.GoneFolders(neu); got != nil {
		t.Errorf("new folders reported gone: %q", got)
	}
}
