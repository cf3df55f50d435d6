package integration

// Unmounting uploads what was copied: kreafs sends what is still queued
// before it exits, up to --drain-timeout, and names what it could not.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// leftLines are kreafs' warnings naming files not uploaded at exit.
func leftLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "level=warning") && strings.Contains(l, "not uploaded") {
			out = append(out, l)
		}
	}
	return out
}

// In a container or a CI job the next mount never comes: `cp` then
// `fusermount3 -u` (or, as root without it, `umount`) uploads the file
// before kreafs exits, however long the upload delay.
func TestCpThenUnmountFromOutsideUploadsTheFileBeforeKreafsExits(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	unmount := []string{"fusermount3", "-u"}
	if _, err := exec.LookPath("fusermount3"); err != nil {
		if os.Geteuid() != 0 {
			t.Skip("no fusermount3, and umount of a FUSE mount needs root")
		}
		unmount = []string{"umount"}
	}
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "1h")
	data := makePNG(6001, 32, 32)
	run(t, "cp", writeTemp(t, "a.png", data), m.Path("assets"))
	if n := emu.UploadCount(); n != 0 {
		t.Fatalf("%d uploads before the unmount with a 1h delay", n)
	}
	run(t, unmount[0], append(unmount[1:], m.Dir)...)
	m.WaitExit(0)
	got := emu.assetsNamed("a.png")
	if len(got) != 1 {
		t.Fatalf("%d assets named a.png after kreafs exited, want 1\n%s", len(got), m.Logs())
	}
	if b := httpGet(t, got[0].ImageURL); !bytes.Equal(b, data) {
		t.Errorf("the uploaded a.png has other bytes (%d, want %d)", len(b), len(data))
	}
	if !strings.Contains(m.Stderr(), "sending them now") {
		t.Errorf("no warning that queued uploads are being sent at exit")
	}
	if l := leftLines(m.Stderr()); len(l) != 0 {
		t.Errorf("files reported as not uploaded: %q", l)
	}
}

// An upload that does not finish within --drain-timeout is reported while
// it runs, then named in one warning line and kept: the next mount with the same cache dir uploads it.
func TestASlowUploadPastTheDrainTimeoutIsNamedOnceAndUploadedAtTheNextMount(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "1h", "--drain-timeout", "7s")
	run(t, "cp", writeTemp(t, "slow.png", makePNG(6002, 32, 32)), m.Path("assets"))
	emu.SetLatency(time.Minute) // every API request, the upload's too
	start := time.Now()
	m.Signal(syscall.SIGTERM)
	m.WaitExit(0)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("kreafs took %v to exit with --drain-timeout 7s", d)
	}
	// Progress every 5 s, at warning level.
	if !strings.Contains(m.Stderr(), `level=warning msg="still uploading before exit" bytes=`) ||
		!strings.Contains(m.Stderr(), "files=1") {
		t.Errorf("no progress warning while draining")
	}
	left := leftLines(m.Stderr())
	if len(left) != 1 || !strings.Contains(left[0], "slow.png") || !strings.Contains(left[0], "next mount") {
		t.Fatalf("warnings naming what is left: %q, want one naming slow.png", left)
	}
	if n := strings.Count(m.Stderr(), "slow.png"); n == 0 {
		t.Fatal("slow.png never named")
	}
	if n := emu.UploadCount(); n != 0 {
		t.Fatalf("%d uploads although every request took a minute", n)
	}
	emu.SetLatency(0)
	mountWith(t, emu, mountOpts{CacheDir: m.CacheDir})
	waitUploads(t, emu, 1)
	if got := emu.assetsNamed("slow.png"); len(got) != 1 {
		t.Errorf("%d assets named slow.png after the next mount, want 1", len(got))
	}
}

// Ctrl-C starts the drain; a second Ctrl-C stops at once, and the file
// stays queued for the next mount.
func TestASecondCtrlCStopsTheDrainAtOnceAndKeepsTheQueue(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "1h") // --drain-timeout: the default 2 min
	run(t, "cp", writeTemp(t, "kept.png", makePNG(6003, 32, 32)), m.Path("assets"))
	emu.SetLatency(time.Minute)
	m.Signal(syscall.SIGINT)
	if err := eventually(10*time.Second, func() error {
		if !strings.Contains(m.Stderr(), "sending them now") {
			return fmt.Errorf("no drain started")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m.Signal(syscall.SIGINT)
	m.WaitExit(0)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("kreafs took %v to exit after the second Ctrl-C", d)
	}
	if left := leftLines(m.Stderr()); len(left) != 1 || !strings.Contains(left[0], "kept.png") {
		t.Errorf("warnings naming what is left: %q, want one naming kept.png", left)
	}
	emu.SetLatency(0)
	if n := emu.UploadCount(); n != 0 {
		t.Fatalf("%d uploads after a stopped drain", n)
	}
	mountWith(t, emu, mountOpts{CacheDir: m.CacheDir})
	waitUploads(t, emu, 1)
}

// Two `kreafs mount --emulator` demos without --cache-dir run side by
// side, each with a cache dir of its own that is gone after it exits.
func TestTwoEmulatorDemosRunSideBySide(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	tmp := t.TempDir()
	xdg := t.TempDir()
	env := []string{"TMPDIR=" + tmp, "XDG_CACHE_HOME=" + xdg}
	var ms []*Mount
	for i := 0; i < 2; i++ {
		m := mountWith(t, nil, mountOpts{NoCache: true, NoURL: true, NoToken: true, Env: env,
			Flags: []string{"--emulator", "--log-level", "info"}})
		ms = append(ms, m)
	}
	for _, m := range ms {
		if n := len(lsNames(t, m.Path("assets"))); n == 0 {
			t.Errorf("%s: the demo lists no assets", m.Dir)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(tmp, "kreafs-emulator-cache-*"))
	if len(dirs) != 2 {
		t.Errorf("temporary cache dirs while both run: %q, want 2", dirs)
	}
	for _, m := range ms {
		m.Stop()
	}
	if dirs, _ := filepath.Glob(filepath.Join(tmp, "kreafs-emulator-cache-*")); len(dirs) != 0 {
		t.Errorf("temporary cache dirs left after exit: %q", dirs)
	}
	if ents, _ := os.ReadDir(xdg); len(ents) != 0 {
		t.Errorf("the demos wrote to the default cache dir: %v", ents)
	}
}
