//go:build linux

package integration

// kreafs as a mount(8) helper: an fstab line (in a file of the test's own,
// mount -T FILE) mounts with util-linux mount and umount ends it. mount(8)
// finds helpers only in /sbin (/sbin/mount.fuse.kreafs for the type
// fuse.kreafs), so the test puts a link to the built kreafs there for its
// run, and removes it. With KREAFS_SYSTEM_BIN=/usr/bin/kreafs it tests
// the installed package instead (.ci/run does, after dpkg -i), whose link
// must already be there.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// sbinHelper is where mount(8) looks for the helper of fuse.kreafs.
const sbinHelper = "/sbin/mount.fuse.kreafs"

func TestAnFstabLineMountsWithUtilLinuxMountAndUmountEndsIt(t *testing.T) {
	requireFUSE(t)
	needProgram(t, "mount")
	needProgram(t, "umount")
	if os.Geteuid() != 0 {
		t.Skip("mounting an fstab line that is not a user mount needs root")
	}
	if sys := os.Getenv("KREAFS_SYSTEM_BIN"); sys != "" {
		want, err1 := filepath.EvalSymlinks(sys)
		got, err2 := filepath.EvalSymlinks(sbinHelper)
		if err1 != nil || err2 != nil || got != want {
			t.Fatalf("the installed helper %s leads to %q (%v), want %s (%v)", sbinHelper, got, err2, want, err1)
		}
	} else {
		if _, err := os.Lstat(sbinHelper); err == nil {
			t.Skipf("%s exists (an installed kreafs?): run with KREAFS_SYSTEM_BIN to test that one", sbinHelper)
		}
		if err := os.Symlink(kreafsBin, sbinHelper); err != nil {
			t.Skipf("cannot link the helper into /sbin: %v", err)
		}
		t.Cleanup(func() { os.Remove(sbinHelper) })
	}

	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(7701, 8, 8), "fstab.png")
	dir := newMountDir(t)
	endServing(t, dir)
	tmp := t.TempDir()
	logFile := filepath.Join(tmp, "kreafs.log")
	// kreafs options, then mount(8)'s and systemd's own, which kreafs ignores.
	opts := strings.Join([]string{
		"token_file=" + tokenFile(t, emu), "cache_dir=" + filepath.Join(tmp, "cache"), "log_file=" + logFile,
		"log_level=debug", "upload_delay=0", "umask=077", "allow_other",
		"_netdev", "nofail", "noauto", "x-systemd.automount", "rw", "nosuid", "nodev",
	}, ",")
	fstab := filepath.Join(tmp, "fstab")
	line := fmt.Sprintf("# kreafs test\n%s %s fuse.kreafs %s 0 0\n", emu.URL(), dir, opts)
	if err := os.WriteFile(fstab, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := kreafstest.RunCombined(runTimeout, "mount", "-T", fstab, dir)
	if err != nil {
		b, _ := os.ReadFile(logFile)
		t.Fatalf("mount -T %s %s: %v\n%s\nlog:\n%s", fstab, dir, err, out, b)
	}
	if !strings.Contains(out, readyPrefix) && strings.TrimSpace(out) != "" {
		t.Logf("mount printed %q", out)
	}
	var fstype string
	for _, e := range kreafstest.Mountinfo() {
		if e.Dir == dir {
			fstype = e.FSType
		}
	}
	if fstype != "fuse.kreafs" {
		t.Fatalf("after mount -T, %s holds a %q mount, want fuse.kreafs", dir, fstype)
	}
	if got := listNames(t, filepath.Join(dir, "assets")); !slices.Contains(got, "fstab.png") {
		t.Fatalf("assets/ shows %q", got)
	}
	fi, err := os.Stat(filepath.Join(dir, "assets", "fstab.png"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("umask=077: fstab.png has mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if pids := servingPids(dir); len(pids) != 1 {
		t.Errorf("%d kreafs processes serve the fstab mount, want 1 in the background", len(pids))
	}
	if out, err := kreafstest.RunCombined(runTimeout, "umount", dir); err != nil {
		t.Fatalf("umount %s: %v\n%s", dir, err, out)
	}
	waitGone(t, dir)
	b, _ := os.ReadFile(logFile)
	if !strings.Contains(string(b), "unmounted from outside") {
		t.Errorf("the log does not say the mount ended by umount:\n%s", tail(string(b), 4096))
	}
}
