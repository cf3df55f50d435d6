package view

import (
	"reflect"
	"syscall"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func opsTable() *AssetTable {
	as := []api.Asset{
		asset("aaaaaaaa1", "album/x.png", "image/png", 0),
		asset("bbbbbbbb2", "top.png", "image/png", 1),
	}
	return NewAssetTree(1, as, nil).Show(Pending{Folders: []string{"empty", "nest/inner"}})
}

func TestMkdirAnswersWhatAShellShowsWell(t *testing.T) {
	tr := opsTable()
	queued := func(p string) bool { return p == "being-copied.png" }
	for _, tc := range []struct {
		p    string
		want syscall.Errno
	}{
		{"new", 0},
		{"album/new", 0},
		{"empty/new", 0},
		{"album", syscall.EEXIST},
		{"top.png", syscall.EEXIST},
		{"album/x.png", syscall.EEXIST},
		{"being-copied.png", syscall.EEXIST},
		{"missing/new", syscall.ENOENT},
		{"top.png/new", syscall.ENOENT},
		{".kreafs-x", syscall.EINVAL},
		{" lead", syscall.EINVAL},
		{".Trash-1000", syscall.EPERM},
		{"album/.Trash", syscall.EPERM},
		{string(make([]byte, 256)), syscall.ENAMETOOLONG},
	} {
		if got := tr.MkdirErr(tc.p, queued); got != tc.want {
			t.Errorf("mkdir %q: %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestRmdirRemovesOnlyEmptyFolders(t *testing.T) {
	tr := opsTable()
	queuedIn := func(d string) bool { return d == "empty" }
	for _, tc := range []struct {
		p    string
		want syscall.Errno
	}{
		{"nest/inner", 0},
		{"nest", syscall.ENOTEMPTY},
		{"album", syscall.ENOTEMPTY},
		{"empty", syscall.ENOTEMPTY}, // a file is being copied in
		{"top.png", syscall.ENOTDIR},
		{"nope", syscall.ENOENT},
	} {
		if got := tr.RmdirErr(tc.p, queuedIn); got != tc.want {
			t.Errorf("rmdir %q: %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestMvOfAFolderHoldingAssetsIsEXDEVAndOfALocalFolderMovesIt(t *testing.T) {
	tr := opsTable()
	if got := tr.RenameFolderErr("album", "trip", nil); got != syscall.EXDEV {
		t.Errorf("mv of a folder holding an asset: %v, want EXDEV", got)
	}
	if got := tr.RenameFolderErr("nest", "moved", nil); got != 0 {
		t.Errorf("mv of a local folder: %v", got)
	}
	if got := tr.RenameFolderErr("nest", "nest/inner/x", nil); got != syscall.EINVAL {
		t.Errorf("mv into itself: %v", got)
	}
	if got := tr.RenameFolderErr("empty", "top.png", nil); got != syscall.EEXIST {
		t.Errorf("mv onto a file: %v", got)
	}
	got := MoveFolders([]string{"empty", "nest/inner", "nest/inner/deep", "nestle"}, "nest", "moved")
	if want := []string{"empty", "moved/inner", "moved/inner/deep", "nestle"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MoveFolders = %q, want %q", got, want)
	}
	if got := MoveFolders([]string{"a"}, "b", "c"); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Errorf("MoveFolders of an implied folder = %q", got)
	}
}
