package integration

// Modification times set by users are kept locally (docs/semantics.md,
// "Times"): a second `rsync -rt` sends nothing, `touch -d` shows, and both
// survive a new mount of the same cache directory.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestSecondRsyncSendsNothingAndTimesSurviveARemount(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "rsync")
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	src := t.TempDir()
	names := []string{"a.png", "b.png", "c.wav"}
	when := time.Date(2019, 5, 6, 7, 8, 9, 0, time.UTC)
	for i, name := range names {
		data := makePNG(uint64(20+i), 16, 16)
		if strings.HasSuffix(name, ".wav") {
			data = makeWAV(uint64(20+i), 4096)
		}
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, when, when.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	run(t, "rsync", "-rt", src+"/", m.Path("assets")+"/")
	run(t, "sync", m.Path("assets"))
	waitUploads(t, emu, len(names))

	checkTimes := func(m *Mount, when string) {
		t.Helper()
		for i, name := range names {
			st, err := os.Stat(m.Path("assets", name))
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2019, 5, 6, 7+i, 8, 9, 0, time.UTC); !st.ModTime().Equal(want) {
				t.Errorf("%s: %s mtime %v, want the source's %v", when, name, st.ModTime().UTC(), want)
			}
		}
	}
	checkTimes(m, "after rsync")
	// --itemize-changes prints a line starting ">f" for each file it
	// sends (and ".d..t" when it sets the directory's time, which kreafs
	// does not keep: assets/ shows when its names last changed).
	out := run(t, "rsync", "-rt", "--itemize-changes", src+"/", m.Path("assets")+"/")
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, ">f") || strings.HasPrefix(line, "cf") {
			t.Errorf("the second rsync sent a file again: %s", line)
		}
	}
	run(t, "sync", m.Path("assets"))
	if n := emu.UploadCount(); n != len(names) {
		t.Errorf("%d uploads after two rsyncs of %d files", n, len(names))
	}

	// touch -d on an uploaded asset.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	run(t, "touch", "-m", "-d", old.Format(time.RFC3339), m.Path("assets", "a.png"))
	if st, err := os.Stat(m.Path("assets", "a.png")); err != nil || !st.ModTime().Equal(old) {
		t.Errorf("touch -d: mtime %v (%v), want %v", st.ModTime().UTC(), err, old)
	}

	// A new mount of the same cache directory shows the same times.
	m.Stop()
	m2 := mountWith(t, emu, mountOpts{CacheDir: m.CacheDir})
	if st, err := os.Stat(m2.Path("assets", "a.png")); err != nil || !st.ModTime().Equal(old) {
		t.Errorf("after a remount: a.png mtime %v (%v), want %v", st.ModTime().UTC(), err, old)
	}
	names = names[1:]
	checkTimes2 := func() {
		for i, name := range names {
			st, err := os.Stat(m2.Path("assets", name))
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2019, 5, 6, 8+i, 8, 9, 0, time.UTC); !st.ModTime().Equal(want) {
				t.Errorf("after a remount: %s mtime %v, want %v", name, st.ModTime().UTC(), want)
			}
		}
	}
	checkTimes2()
	if n := emu.UploadCount(); n != 3 {
		t.Errorf("%d uploads in all, want 3 (touch must not upload)", n)
	}
	// rm forgets the time: a new file under the name shows its own.
	run(t, "rm", m2.Path("assets", "b.png"))
	run(t, "cp", filepath.Join(src, "b.png"), m2.Path("assets", "b.png"))
	if st, err := os.Stat(m2.Path("assets", "b.png")); err != nil || st.ModTime().Before(time.Now().Add(-time.Hour)) {
		t.Errorf("a new b.png after rm shows mtime %v (%v), not its own", st.ModTime().UTC(), err)
	}
}

// A time set on a file still queued at unmount is kept through the upload
// that resumes at the next mount (whether that upload finishes before or
// after the new mount's tree exists).
func TestTimeOfAFileQueuedAtUnmountSurvivesItsResumedUpload(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	// --drain-timeout 0: unmount leaves the file queued.
	m := mount(t, emu, "--upload-delay", "1h", "--drain-timeout", "0")
	src := writeTemp(t, "late.png", makePNG(31, 16, 16))
	when := time.Date(2018, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(src, when, when); err != nil {
		t.Fatal(err)
	}
	run(t, "cp", "-p", src, m.Path("assets", "late.png"))
	if st, err := os.Stat(m.Path("assets", "late.png")); err != nil || !st.ModTime().Equal(when) {
		t.Fatalf("queued file: mtime %v (%v), want %v", st.ModTime().UTC(), err, when)
	}
	m.Stop()
	if n := emu.UploadCount(); n != 0 {
		t.Fatalf("%d uploads before the remount", n)
	}
	m2 := mountWith(t, emu, mountOpts{CacheDir: m.CacheDir, Flags: []string{"--upload-delay", "0"}})
	waitUploads(t, emu, 1)
	run(t, "sync", m2.Path("assets"))
	if st, err := os.Stat(m2.Path("assets", "late.png")); err != nil || !st.ModTime().Equal(when) {
		t.Errorf("after the resumed upload: mtime %v (%v), want %v", st.ModTime().UTC(), err, when)
	}
}

// mv of an uploaded asset keeps its modification time, like rename(2):
// the time set on it, or else its upload time.
func TestMvOfAnUploadedAssetKeepsItsTime(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0")
	for _, name := range []string{"set.png", "plain.png"} {
		run(t, "cp", writeTemp(t, name, makePNG(uint64(len(name)), 16, 16)), m.Path("assets", name))
		run(t, "sync", m.Path("assets", name))
	}
	when := time.Date(2016, 7, 8, 9, 10, 11, 0, time.UTC)
	if err := os.Chtimes(m.Path("assets", "set.png"), when, when); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(m.Path("assets", "plain.png"))
	if err != nil {
		t.Fatal(err)
	}
	uploaded := st.ModTime()
	run(t, "mv", m.Path("assets", "set.png"), m.Path("assets", "set2.png"))
	run(t, "mv", m.Path("assets", "plain.png"), m.Path("assets", "plain2.png"))
	run(t, "sync", m.Path("assets"))
	for name, want := range map[string]time.Time{"set2.png": when, "plain2.png": uploaded} {
		if st, err := os.Stat(m.Path("assets", name)); err != nil || !st.ModTime().Equal(want) {
			t.Errorf("%s after mv: mtime %v (%v), want %v", name, st.ModTime().UTC(), err, want.UTC())
		}
	}
}

// A file written here keeps the time of its last write when its upload
// completes (it does not jump to the upload time), also after a remount.
func TestWrittenFileKeepsItsTimeThroughItsUpload(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "1h")
	run(t, "cp", writeTemp(t, "w.png", makePNG(41, 16, 16)), m.Path("assets", "w.png"))
	queued, err := os.Stat(m.Path("assets", "w.png"))
	if err != nil {
		t.Fatal(err)
	}
	if n := emu.UploadCount(); n != 0 {
		t.Fatalf("%d uploads before sync with a 1h delay", n)
	}
	time.Sleep(20 * time.Millisecond) // an upload time would differ from the write's
	run(t, "sync", m.Path("assets", "w.png"))
	if n := emu.UploadCount(); n != 1 {
		t.Fatalf("%d uploads after sync, want 1", n)
	}
	st, err := os.Stat(m.Path("assets", "w.png"))
	if err != nil || !st.ModTime().Equal(queued.ModTime()) {
		t.Errorf("after its upload: mtime %v (%v), want %v as while queued", st.ModTime().UTC(), err, queued.ModTime().UTC())
	}
	m.Stop()
	m2 := mountWith(t, emu, mountOpts{CacheDir: m.CacheDir})
	if st, err := os.Stat(m2.Path("assets", "w.png")); err != nil || !st.ModTime().Equal(queued.ModTime()) {
		t.Errorf("after a remount: mtime %v (%v), want %v", st.ModTime().UTC(), err, queued.ModTime().UTC())
	}
}

// The time kept for an asset deleted elsewhere is forgotten once a listing
// no longer has it (the log does not grow with every asset ever seen).
func TestTimeOfAnAssetDeletedElsewhereIsForgotten(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0", "--dir-cache-ttl", "1s")
	when := time.Date(2017, 3, 4, 5, 6, 7, 0, time.UTC)
	src := writeTemp(t, "gone.png", makePNG(51, 16, 16))
	if err := os.Chtimes(src, when, when); err != nil {
		t.Fatal(err)
	}
	run(t, "cp", "-p", src, m.Path("assets", "gone.png"))
	run(t, "sync", m.Path("assets", "gone.png"))
	as := emu.Assets()
	if len(as) != 1 {
		t.Fatalf("%d assets after one upload", len(as))
	}
	key := `"a:` + as[0].ID + `"`
	logged := func() string {
		paths, _ := filepath.Glob(filepath.Join(m.CacheDir, "state", "mtimes-*.log"))
		if len(paths) != 1 {
			t.Fatalf("mtimes logs: %q", paths)
		}
		data, err := os.ReadFile(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		last := ""
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, key) {
				last = line
			}
		}
		return last
	}
	if l := logged(); !strings.HasPrefix(l, "set ") {
		t.Fatalf("after the upload the log's last line for the asset is %q, want a set", l)
	}
	if !emu.RemoveAsset(as[0].ID) {
		t.Fatal("RemoveAsset found nothing")
	}
	if err := eventually(5*time.Second, func() error {
		if _, err := os.Stat(m.Path("assets", "gone.png")); !os.IsNotExist(err) {
			return fmt.Errorf("stat gone.png: %v", err)
		}
		if l := logged(); !strings.HasPrefix(l, "del ") {
			return fmt.Errorf("last log line for the asset: %q", l)
		}
		return nil
	}); err != nil {
		t.Errorf("an asset deleted elsewhere keeps its time: %v", err)
	}
}

// touch of an uploaded asset sets its time without reading its content:
// the open for writing copies nothing until something writes.
func TestTouchOfAnUncachedAssetDownloadsNothing(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makeWAV(61, 4<<20)
	emu.add(data, "big.wav")
	m := mount(t, emu, "--upload-delay", "0")
	run(t, "ls", "-l", m.Path("assets"))
	downloads := emu.Requests("/files")
	run(t, "touch", "-d", "2014-05-06 07:08:09 UTC", m.Path("assets", "big.wav"))
	want := time.Date(2014, 5, 6, 7, 8, 9, 0, time.UTC)
	if st, err := os.Stat(m.Path("assets", "big.wav")); err != nil || !st.ModTime().Equal(want) || st.Size() != int64(len(data)) {
		t.Errorf("after touch -d: %v, %v bytes (%v); want %v, %d bytes", st.ModTime().UTC(), st.Size(), err, want, len(data))
	}
	run(t, "sync", m.Path("assets"))
	if n := emu.Requests("/files") - downloads; n != 0 {
		t.Errorf("touch downloaded the asset (%d requests)", n)
	}
	if n := emu.UploadCount(); n != 0 {
		t.Errorf("touch uploaded a replacement (%d uploads)", n)
	}
	// A write through such an open still copies the rest of the content.
	run(t, "dd", "if=/dev/zero", "of="+m.Path("assets", "big.wav"), "bs=1", "count=1", "seek=100", "conv=notrunc", "status=none")
	run(t, "sync", m.Path("assets"))
	data[100] = 0
	if n := emu.UploadCount(); n != 1 {
		t.Fatalf("after a write: %d uploads, want 1", n)
	}
	// (sync does not wait for the delete of the replaced asset)
	if err := eventually(10*time.Second, func() error {
		if n := len(emu.Assets()); n != 1 {
			return fmt.Errorf("%d assets", n)
		}
		return nil
	}); err != nil {
		t.Errorf("after a write: %v, want 1", err)
	}
	if got, err := os.ReadFile(m.Path("assets", "big.wav")); err != nil || !bytes.Equal(got, data) {
		t.Errorf("after a one-byte write: %v (or other bytes)", err)
	}
}
