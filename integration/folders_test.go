//go:build linux

package integration

// Folders in assets/ as a file manager user meets them
// (docs/semantics.md, "Folders"): a folder of images copied in with cp -r
// or rsync lands as assets whose description is their path, ls -R shows
// the tree, rm -r deletes it, and mv of a folder falls back to copy and
// delete.

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

// twoLevelAlbum writes album/{a.png,b.png,2024/c.png,2024/d.png} under a
// temp dir and returns that dir and the files by path under it.
func twoLevelAlbum(t testing.TB) (string, map[string][]byte) {
	t.Helper()
	root := t.TempDir()
	files := map[string][]byte{
		"album/a.png":      makePNG(1, 8, 8),
		"album/b.png":      makePNG(2, 8, 8),
		"album/2024/c.png": makePNG(3, 8, 8),
		"album/2024/d.png": makePNG(4, 8, 8),
	}
	for p, b := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, files
}

// checkTree checks that dir (in the mount) holds exactly files (paths
// relative to dir's parent, as twoLevelAlbum gives them, with prefix
// replaced by top), byte for byte, and that the account holds one asset
// described by each path.
func checkTree(t testing.TB, emu *Emulator, dir, top string, files map[string][]byte) {
	t.Helper()
	var want []string
	for p := range files {
		want = append(want, top+strings.TrimPrefix(p, "album"))
	}
	sort.Strings(want)
	var got []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(filepath.Dir(dir), p)
			got = append(got, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", dir, err)
	}
	sort.Strings(got)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%s holds %q, want %q", dir, got, want)
	}
	for p, data := range files {
		rel := top + strings.TrimPrefix(p, "album")
		b, err := os.ReadFile(filepath.Join(filepath.Dir(dir), rel))
		if err != nil || string(b) != string(data) {
			t.Errorf("%s: %d bytes, err %v; want the %d bytes copied in", rel, len(b), err, len(data))
		}
		if n := len(emu.assetsNamed(rel)); n != 1 {
			t.Errorf("%d assets described %q, want 1", n, rel)
		}
	}
}

// albumCopiedIn mounts a fresh account and copies twoLevelAlbum's album
// in with cp -r, waiting for its uploads.
func albumCopiedIn(t *testing.T) (*Emulator, *Mount, map[string][]byte) {
	t.Helper()
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0", "--dir-cache-ttl", "1s")
	src, files := twoLevelAlbum(t)
	run(t, "cp", "-r", filepath.Join(src, "album"), m.Path("assets"))
	run(t, "sync", m.Path("assets"))
	waitUploads(t, emu, len(files))
	return emu, m, files
}

func TestCpROfAFolderOfImagesUploadsEachFileUnderItsPath(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu, m, files := albumCopiedIn(t)
	checkTree(t, emu, m.Path("assets", "album"), "album", files)
	out := run(t, "ls", "-R", m.Path("assets"))
	for _, want := range []string{"album", "2024", "a.png", "c.png"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls -R lacks %q:\n%s", want, out)
		}
	}

	// Another machine (a fresh cache dir) sees the same tree from the
	// descriptions alone.
	m2 := mount(t, emu)
	checkTree(t, emu, m2.Path("assets", "album"), "album", files)
	m2.Stop()

	run(t, "rm", "-r", m.Path("assets", "album"))
	if n := len(emu.Assets()); n != 0 {
		t.Errorf("after rm -r the account holds %d assets", n)
	}
	if _, err := os.Stat(m.Path("assets", "album")); !os.IsNotExist(err) {
		t.Errorf("after rm -r, stat of the folder: %v", err)
	}
}

func TestRsyncOfAFolderTwiceSendsNothingTheSecondTime(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "rsync")
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0", "--dir-cache-ttl", "1s")
	src, files := twoLevelAlbum(t)
	for i := 1; i <= 2; i++ {
		out := run(t, "rsync", "-a", "--itemize-changes", filepath.Join(src, "album"), m.Path("assets")+"/")
		run(t, "sync", m.Path("assets"))
		if i == 2 {
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, ">f") || strings.HasPrefix(line, "cd") {
					t.Errorf("the second rsync sent something: %s", line)
				}
			}
		}
		waitUploads(t, emu, len(files))
		checkTree(t, emu, m.Path("assets", "album"), "album", files)
	}
}

func TestMkdirMakesAFolderThatOutlivesARemountAndRmdirRemovesIt(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	run(t, "mkdir", "-p", m.Path("assets", "empty", "inner"))
	if fi, err := os.Stat(m.Path("assets", "empty", "inner")); err != nil || !fi.IsDir() {
		t.Fatalf("mkdir -p: %v", err)
	}
	m.Stop()
	m2 := mountWith(t, emu, mountOpts{CacheDir: m.CacheDir})
	if fi, err := os.Stat(m2.Path("assets", "empty", "inner")); err != nil || !fi.IsDir() {
		t.Fatalf("after a remount: %v", err)
	}
	if _, stderr, err := runErr(t, "rmdir", m2.Path("assets", "empty")); err == nil || !strings.Contains(stderr, "not empty") {
		t.Errorf("rmdir of a folder holding a folder: %v %s", err, stderr)
	}
	run(t, "rmdir", m2.Path("assets", "empty", "inner"), m2.Path("assets", "empty"))
	if names := listNames(t, m2.Path("assets")); len(names) != 0 {
		t.Errorf("after rmdir assets/ lists %q", names)
	}
	// A name that cannot be a folder is refused with a clear errno.
	if _, stderr, err := runErr(t, "mkdir", m2.Path("assets", ".kreafs-x")); err == nil {
		t.Errorf("mkdir of a reserved name succeeded")
	} else if stderr == "" {
		t.Error("mkdir of a reserved name failed without a message")
	}
}

func TestMvOfAFolderFallsBackToCopyAndDeleteAndEndsWithTheSameTree(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu, m, files := albumCopiedIn(t)

	run(t, "mv", m.Path("assets", "album"), m.Path("assets", "trip"))
	run(t, "sync", m.Path("assets"))
	waitUploads(t, emu, 2*len(files)) // the copy uploads each file again
	checkTree(t, emu, m.Path("assets", "trip"), "trip", files)
	if _, err := os.Stat(m.Path("assets", "album")); !os.IsNotExist(err) {
		t.Errorf("the old folder is still there: %v", err)
	}
	if n := len(emu.Assets()); n != len(files) {
		t.Errorf("the account holds %d assets, want %d", n, len(files))
	}

	// A file moved between folders is re-uploaded under its new path.
	run(t, "mv", m.Path("assets", "trip", "a.png"), m.Path("assets", "trip", "2024", "a.png"))
	run(t, "sync", m.Path("assets"))
	if err := eventually(runTimeout, func() error {
		if len(emu.assetsNamed("trip/2024/a.png")) != 1 || len(emu.assetsNamed("trip/a.png")) != 0 {
			return os.ErrNotExist
		}
		return nil
	}); err != nil {
		t.Errorf("mv of a file between folders: descriptions %v", emu.descriptions())
	}
}

func TestADescriptionWithASlashWrittenElsewhereShowsAsAFolder(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(5, 8, 8), "holiday/beach.png")
	prose := emu.add(makePNG(6, 8, 8), "sunset / dusk")
	m := mount(t, emu)
	if names := listNames(t, m.Path("assets", "holiday")); strings.Join(names, "|") != "beach.png" {
		t.Errorf("assets/holiday lists %q", names)
	}
	if _, err := os.Stat(m.Path("assets", prose.ID+".png")); err != nil {
		t.Errorf("prose with a slash is not a flat <id>.png: %v", err)
	}
}
