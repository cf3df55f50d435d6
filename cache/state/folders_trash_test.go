package state

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLocalFoldersSurviveRemountsUntilRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	d, err := OpenDir(dir, "https://api.krea.ai")
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Folders()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"album", "album/2024", "empty"} {
		if err := f.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Remove("empty"); err != nil {
		t.Fatal(err)
	}
	again, err := d.Folders()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := again.List(), []string{"album", "album/2024"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening: %q, want %q", got, want)
	}
	if !again.Has("album/2024") || again.Has("empty") {
		t.Error("Has disagrees with List")
	}
	// Another account sharing the state directory sees none of them.
	other, _ := OpenDir(dir, "http://127.0.0.1:9999")
	o, err := other.Folders()
	if err != nil || len(o.List()) != 0 {
		t.Errorf("another account sees %q (%v)", o.List(), err)
	}
}

func TestADamagedStateFileIsReportedAndReplacedByTheNextChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trash.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := OpenTrash(path)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged file: err %v", err)
	}
	if len(tr.List()) != 0 {
		t.Fatal("a damaged trash is not empty")
	}
	if err := tr.Put(TrashEntry{Name: "x.png", ID: "a1", Path: "assets/x.png"}); err != nil {
		t.Fatal(err)
	}
	again, err := OpenTrash(path)
	if err != nil || len(again.List()) != 1 {
		t.Fatalf("after a change: %v, %v", again.List(), err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("trash file mode: %v %v", fi.Mode(), err)
	}
}

func TestTrashedAssetsStayTrashedAcrossRemountsUntilRestoredOrDeleted(t *testing.T) {
	path := TrashPath(t.TempDir(), "scope")
	tr, err := OpenTrash(path)
	if err != nil {
		t.Fatal(err)
	}
	// gio writes the info file first, then moves the file in.
	if err := tr.Put(TrashEntry{Name: "beach.png", Path: "assets/album/beach.png", Deleted: "2026-12-05T06:19:37", HasInfo: true}); err != nil {
		t.Fatal(err)
	}
	e, _ := tr.Get("beach.png")
	e.ID = "asset-1"
	if err := tr.Put(e); err != nil {
		t.Fatal(err)
	}
	if err := tr.Put(TrashEntry{Name: "album", Files: map[string]string{"x.png": "asset-2", "sub/y.png": "asset-3"}, Path: "assets/album"}); err != nil {
		t.Fatal(err)
	}
	if err := tr.Put(TrashEntry{Name: ""}); err == nil {
		t.Error("an entry without a name was accepted")
	}
	again, err := OpenTrash(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := again.Hidden(), map[string]bool{"asset-1": true, "asset-2": true, "asset-3": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("hidden after reopening: %v, want %v", got, want)
	}
	if got, ok := again.Get("beach.png"); !ok || (got.Path != "assets/album/beach.png" || got.Deleted != "2026-12-05T06:19:37" || !got.HasInfo) {
		t.Errorf("entry after reopening: %+v", got)
	}
	if err := again.Remove("beach.png"); err != nil {
		t.Fatal(err)
	}
	if again.Hidden()["asset-1"] {
		t.Error("a restored asset is still hidden")
	}
	var nilTrash *Trash
	if nilTrash.Hidden()["x"] || nilTrash.Put(TrashEntry{Name: "x"}) == nil {
		t.Error("a nil trash is not empty and closed")
	}
}
