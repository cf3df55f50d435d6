package view

import (
	"strings"
	"testing"
	"time"
)

func TestTrashInfoRoundTripsPathsWithSpacesAndUnicode(t *testing.T) {
	for _, rel := range []string{"assets/beach.png", "assets/my album/été 100%.png", "assets/a#b?c.png"} {
		b := FormatTrashInfo(rel, "2026-12-05T06:19:37")
		if !strings.HasPrefix(string(b), "[Trash Info]\nPath=") || strings.Contains(strings.SplitN(string(b), "\n", 3)[1], " ") {
			t.Errorf("info for %q is not escaped: %q", rel, b)
		}
		p, d, err := ParseTrashInfo(b)
		if err != nil || p != rel || d != "2026-12-05T06:19:37" {
			t.Errorf("round trip of %q: %q %q %v", rel, p, d, err)
		}
	}
}

func TestTrashInfoAsGioWritesItParses(t *testing.T) {
	// gio writes the path escaped with '/' kept, relative to the mount.
	gio := "[Trash Info]\nPath=assets/my%20album/beach.png\nDeletionDate=2026-12-05T07:01:02\n"
	p, d, err := ParseTrashInfo([]byte(gio))
	if err != nil || p != "assets/my album/beach.png" || d != "2026-12-05T07:01:02" {
		t.Errorf("gio's info: %q %q %v", p, d, err)
	}
	// Other groups, CRLF and unknown keys are ignored; the first Path wins.
	odd := "[Other]\r\nPath=x\r\n[Trash Info]\r\nX=1\r\nPath=assets/a.png\r\nPath=assets/b.png\r\n"
	if p, d, err := ParseTrashInfo([]byte(odd)); err != nil || p != "assets/a.png" || d != "" {
		t.Errorf("odd info: %q %q %v", p, d, err)
	}
	for _, bad := range []string{"", "Path=assets/a.png\n", "[Trash Info]\nDeletionDate=x\n", "[Trash Info]\nPath=%zz\n", "[Trash Info]\nPath=" + strings.Repeat("a", MaxTrashInfo)} {
		if _, _, err := ParseTrashInfo([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestATrashedItemGoesBackOnlyUnderAssets(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"assets/album/beach.png", "album/beach.png"},
		{"assets/ lead.png", " lead.png"},
		{"/mnt/k/assets/x.png", "x.png"},
		{"/mnt/k/jobs/x.png", ""},
		{"/elsewhere/assets/x.png", ""},
		{"jobs/abc/result.png", ""},
		{"assets/../x.png", ""},
		{"assets/a//x.png", ""},
		{"assets/", ""},
	} {
		got, ok := AssetPathOfTrash(tc.path, "/mnt/k/")
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("AssetPathOfTrash(%q) = %q, %v; want %q", tc.path, got, ok, tc.want)
		}
	}
}

func TestTrashNames(t *testing.T) {
	if TrashDirName(1000) != ".Trash-1000" {
		t.Error(TrashDirName(1000))
	}
	if n, ok := ItemOfInfo("x.png.trashinfo"); !ok || n != "x.png" {
		t.Error(n, ok)
	}
	if _, ok := ItemOfInfo("x.png"); ok {
		t.Error("a name without .trashinfo is an info name")
	}
	if _, ok := ItemOfInfo(".trashinfo"); ok {
		t.Error("an empty item name is accepted")
	}
	taken := map[string]bool{"x.png": true, "x.2.png": true}
	if got := FreeTrashName("x.png", func(s string) bool { return taken[s] }); got != "x.3.png" {
		t.Errorf("free name %q", got)
	}
	if got := FreeTrashName("y.png", func(s string) bool { return taken[s] }); got != "y.png" {
		t.Errorf("free name %q", got)
	}
	d := FormatDeletionDate(time.Date(2026, 12, 5, 6, 19, 37, 0, time.Local))
	if d != "2026-12-05T06:19:37" {
		t.Errorf("deletion date %q", d)
	}
}

func TestATrashedFolderListsItsTree(t *testing.T) {
	files := map[string]string{"x.png": "a1", "2024/y.png": "a2", "2024/deep/z.png": "a3"}
	top, ok := TrashedDir(files, "")
	if !ok || len(top) != 2 || top[0] != (TrashedEntry{Name: "2024"}) || top[1] != (TrashedEntry{Name: "x.png", ID: "a1"}) {
		t.Errorf("top: %+v %v", top, ok)
	}
	sub, ok := TrashedDir(files, "2024")
	if !ok || len(sub) != 2 || sub[0].Name != "deep" || sub[0].ID != "" || sub[1] != (TrashedEntry{Name: "y.png", ID: "a2"}) {
		t.Errorf("2024: %+v %v", sub, ok)
	}
	if _, ok := TrashedDir(files, "x.png"); ok {
		t.Error("a file is listed as a folder")
	}
	if _, ok := TrashedDir(files, "nope"); ok {
		t.Error("a missing folder is listed")
	}
}
