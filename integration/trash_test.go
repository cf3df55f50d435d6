//go:build linux

package integration

// The trash of a mount (docs/semantics.md, "Trash"): GIO trashes into
// MOUNT/.Trash-<uid>/ in the freedesktop.org layout; a trashed asset is
// hidden from assets/ but kept on Krea, a move back restores it with no
// upload, and emptying the trash deletes it on Krea. Here the restore and
// the emptying are a plain mv and rm (what any program can do);
// trash_gvfs_test.go does them through GVfs's trash:/// backend.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// trashDir is MOUNT/.Trash-<uid> for the user running the tests (the
// mount's owner by default).
func (m *Mount) trashDir(rel ...string) string {
	return m.Path(append([]string{fmt.Sprintf(".Trash-%d", os.Getuid())}, rel...)...)
}

func TestGioTrashHidesAnAssetAMoveBackRestoresItAndRmInTheTrashDeletesIt(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "gio")
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0", "--dir-cache-ttl", "1s")
	data := makePNG(7, 8, 8)
	run(t, "mkdir", m.Path("assets", "album"))
	run(t, "cp", writeTemp(t, "beach.png", data), m.Path("assets", "album", "beach.png"))
	run(t, "sync", m.Path("assets", "album", "beach.png"))
	waitUploads(t, emu, 1)
	id := emu.assetsNamed("album/beach.png")[0].ID

	// Trash: hidden here, kept on Krea, in files/ and info/.
	cmd := exec.Command("gio", "trash", m.Path("assets", "album", "beach.png"))
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // never the home trash
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gio trash: %v\n%s\n%s", err, out, m.Logs())
	}
	if names := listNames(t, m.Path("assets", "album")); len(names) != 0 {
		t.Errorf("after gio trash assets/album lists %q", names)
	}
	if !hasAsset(emu, id) {
		t.Fatal("gio trash deleted the asset on Krea")
	}
	if b, err := os.ReadFile(m.trashDir("files", "beach.png")); err != nil || string(b) != string(data) {
		t.Errorf("files/beach.png: %d bytes, %v", len(b), err)
	}
	info, err := os.ReadFile(m.trashDir("info", "beach.png.trashinfo"))
	if err != nil || !strings.Contains(string(info), "Path=assets/album/beach.png\n") || !strings.Contains(string(info), "DeletionDate=") {
		t.Errorf("info file: %q, %v", info, err)
	}

	// The trash survives a remount with the same cache directory.
	m.Stop()
	m = mountWith(t, emu, mountOpts{CacheDir: m.CacheDir, Flags: []string{"--upload-delay", "0", "--dir-cache-ttl", "1s"}})
	if _, err := os.Stat(m.trashDir("files", "beach.png")); err != nil {
		t.Fatalf("after a remount the trash lost the file: %v", err)
	}
	if _, err := os.Stat(m.Path("assets", "album", "beach.png")); !os.IsNotExist(err) {
		t.Errorf("after a remount the trashed asset shows in assets/: %v", err)
	}

	// Another machine (a fresh cache directory) still shows it: the trash
	// is this machine's.
	other := mount(t, emu)
	if _, err := os.Stat(other.Path("assets", "album", "beach.png")); err != nil {
		t.Errorf("another machine does not show the trashed asset: %v", err)
	}
	other.Stop()

	// Restore: a move back (what gio trash --restore does), no upload.
	uploads := emu.UploadCount()
	run(t, "mv", m.trashDir("files", "beach.png"), m.Path("assets", "album", "beach.png"))
	run(t, "rm", m.trashDir("info", "beach.png.trashinfo"))
	if b, err := os.ReadFile(m.Path("assets", "album", "beach.png")); err != nil || string(b) != string(data) {
		t.Errorf("restored file: %d bytes, %v", len(b), err)
	}
	if emu.UploadCount() != uploads || !hasAsset(emu, id) || len(emu.Assets()) != 1 {
		t.Errorf("restore uploaded (%d uploads, was %d) or lost the asset", emu.UploadCount(), uploads)
	}
	if names := listNames(t, m.trashDir("files")); len(names) != 0 {
		t.Errorf("after restore files/ lists %q", names)
	}

	// Trash again, then empty the trash: the asset is deleted on Krea.
	cmd = exec.Command("gio", "trash", m.Path("assets", "album", "beach.png"))
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gio trash: %v\n%s", err, out)
	}
	for _, sub := range []string{"files", "info"} {
		for _, n := range listNames(t, m.trashDir(sub)) {
			run(t, "rm", "-rf", m.trashDir(sub, n))
		}
	}
	if hasAsset(emu, id) {
		t.Error("emptying the trash did not delete the asset on Krea")
	}
	for _, sub := range []string{"files", "info"} {
		if names := listNames(t, m.trashDir(sub)); len(names) != 0 {
			t.Errorf("after emptying %s/ lists %q", sub, names)
		}
	}
}

func TestInotifySeesADeleteMadeThroughTheAPI(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	a := emu.add(makePNG(8, 8, 8), "gone.png")
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	run(t, "ls", "-l", m.Path("assets")) // as a file manager shows the folder

	lines := inotifyDeletes(t, m.Path("assets"))
	emu.RemoveAsset(a.ID)
	waitDelete(t, m, lines, "gone.png", 15*time.Second)
}

func TestTailFOfTheEventsFileShowsAJobsCompletionWithinTwoSeconds(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{JobDuration: 2 * time.Second})
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	events := m.Path(".kreafs", "events")
	lines := startLines(t, exec.Command("tail", "-n", "0", "-f", events))

	id := submitJob(t, emu, fluxDev, `{"prompt":"a cat","width":512,"height":512}`)
	run(t, "ls", m.Path("jobs", id)) // someone looks at it: kreafs watches it
	var completedAt time.Time
	if err := eventually(30*time.Second, func() error {
		if emuJobStatus(emu, id) != "completed" {
			return fmt.Errorf("job %s not completed", id)
		}
		completedAt = time.Now()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(time.Until(completedAt.Add(2*time.Second)) + 500*time.Millisecond)
	for {
		select {
		case l := <-lines:
			if strings.Contains(l, " job-state completed jobs/"+id) {
				if late := time.Since(completedAt); late > 2*time.Second+500*time.Millisecond {
					t.Errorf("completion shown %v after the job completed", late)
				}
				return
			}
		case <-deadline:
			b, _ := os.ReadFile(events)
			t.Fatalf("tail -f showed no completion of %s within 2 s; events file:\n%s", id, b)
		}
	}
}
