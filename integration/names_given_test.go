//go:build linux

package integration

// A name you give is the name you keep (docs/semantics.md, "File
// names"): files copied in under names without a media extension keep
// them exactly after their upload, across remounts and on another cache
// directory, and repeated rsync runs upload each once.

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// givenFiles are names people give files, with real content of an
// accepted type: none of the names ends in the extension the content's
// type implies.
func givenFiles(t testing.TB) map[string][]byte {
	t.Helper()
	mp4, err := os.ReadFile(filepath.Join("..", "api", "emulator", "testdata", "sample.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"IMG_0001":      makeJPEG(7, 32, 24),
		"movie.m4v":     mp4,
		"scan.jpeg.bak": makePNG(8, 16, 16),
		"photo.png":     makePNG(9, 16, 16),
	}
}

// writeGiven writes files into a new source directory, each with its own
// modification time in the past (as a camera card would have them).
func writeGiven(t testing.TB, files map[string][]byte) string {
	t.Helper()
	src := t.TempDir()
	when := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	i := 0
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, when, when.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
		i++
	}
	return src
}

// checkExactNames: assets/ lists exactly the given names, each holding its
// bytes.
func checkExactNames(t testing.TB, m *Mount, files map[string][]byte, when string) {
	t.Helper()
	var want []string
	for n := range files {
		want = append(want, n)
	}
	sort.Strings(want)
	got := listNames(t, m.Path("assets"))
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s: assets/ lists %q, want exactly %q", when, got, want)
	}
	for name, data := range files {
		b, err := os.ReadFile(m.Path("assets", name))
		if err != nil {
			t.Errorf("%s: %v", when, err)
			continue
		}
		if !bytes.Equal(b, data) {
			t.Errorf("%s: assets/%s holds other bytes (%d, want %d)", when, name, len(b), len(data))
		}
	}
}

// rsyncThreeTimes runs `rsync -a` of src into assets/ three times and
// checks that the account holds one asset per file throughout, that the
// later runs send nothing, and that the names stay exact.
func rsyncThreeTimes(t *testing.T, emu *Emulator, m *Mount, src string, files map[string][]byte) {
	t.Helper()
	for run1 := 1; run1 <= 3; run1++ {
		out := run(t, "rsync", "-a", "--itemize-changes", src+"/", m.Path("assets")+"/")
		run(t, "sync", m.Path("assets"))
		if run1 > 1 {
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, ">f") {
					t.Errorf("rsync run %d sent a file again: %s", run1, line)
				}
			}
		}
		waitUploads(t, emu, len(files))
		if n := len(emu.Assets()); n != len(files) {
			t.Errorf("after rsync run %d the account holds %d assets, want %d", run1, n, len(files))
		}
		checkExactNames(t, m, files, "after rsync run "+string(rune('0'+run1)))
	}
}

func TestGivenNamesAreKeptThroughRsyncRemountsAndAnotherCacheDir(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "rsync")
	emu := startEmulator(t, emulator.Options{})
	files := givenFiles(t)
	src := writeGiven(t, files)
	m := mount(t, emu, "--upload-delay", "0")
	rsyncThreeTimes(t, emu, m, src, files)
	// Each asset's description is the name given, byte for byte: that is
	// what another machine sees.
	for name := range files {
		if got := emu.assetsNamed(name); len(got) != 1 {
			t.Errorf("%d assets described %q, want 1", len(got), name)
		}
	}

	m.Stop()
	m2 := mountWith(t, emu, mountOpts{CacheDir: m.CacheDir})
	checkExactNames(t, m2, files, "after a remount")
	m2.Stop()

	m3 := mount(t, emu) // another machine: a fresh cache dir
	checkExactNames(t, m3, files, "on a fresh cache dir")
}

func TestCpUnderANameWithoutExtensionKeepsThatName(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	data := makeJPEG(11, 16, 16)
	run(t, "cp", writeTemp(t, "photo.jpg", data), m.Path("assets", "IMG_0001"))
	run(t, "sync", m.Path("assets", "IMG_0001"))
	waitUploads(t, emu, 1)
	// A few seconds later, after the listing is refreshed, the name is
	// still exactly IMG_0001.
	time.Sleep(1500 * time.Millisecond)
	checkExactNames(t, m, map[string][]byte{"IMG_0001": data}, "after the upload")
	if _, err := os.Stat(m.Path("assets", "IMG_0001.jpg")); !os.IsNotExist(err) {
		t.Errorf("stat IMG_0001.jpg: %v, want ENOENT", err)
	}
}
