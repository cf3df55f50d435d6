//go:build linux

package integration

// Who may see the mount and the cache (docs/reliability.md, "Security"):
// without --allow-other nobody but the mounting user sees into the mount;
// the cache dir and everything in it is private, also after uploads; a
// cache dir (or a part of it) that someone else owns or may write is
// refused.

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// nobody is the uid/gid other users' commands run as.
const nobody = "65534"

// asNobody runs a program as user nobody (setpriv, util-linux).
func asNobody(t testing.TB, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("running a program as another user needs root")
	}
	needProgram(t, "setpriv")
	return runErr(t, "setpriv", append([]string{"--reuid=" + nobody, "--regid=" + nobody, "--clear-groups", name}, args...)...)
}

// openToNobody makes dir and its parents traversable by others, so that a
// refusal can only come from the mount itself.
func openToNobody(t testing.TB, dir string) {
	t.Helper()
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o005); err != nil {
				t.Fatal(err)
			}
		}
		if d == os.TempDir() {
			break
		}
	}
}

func TestOtherUsersCannotSeeIntoTheMountWithoutAllowOther(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makePNG(1001, 6, 6)
	emu.add(data, "private.png")

	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	openToNobody(t, mnt)
	m := mountWith(t, emu, mountOpts{Dir: mnt})
	run(t, "ls", m.Path("assets")) // the owner sees it
	for _, args := range [][]string{
		{"ls", m.Dir},
		{"ls", m.Path("assets")},
		{"stat", m.Path("assets", "private.png")},
		{"cat", m.Path("assets", "private.png")},
	} {
		_, stderr, err := asNobody(t, args[0], args[1:]...)
		if err == nil || !strings.Contains(stderr, "Permission denied") {
			t.Errorf("%s as nobody without --allow-other: %v %q, want Permission denied", strings.Join(args, " "), err, stderr)
		}
	}
	m.Stop()

	// With --allow-other, others see it (read-only as the modes say).
	m2 := mountWith(t, emu, mountOpts{Dir: mnt, Flags: []string{"--allow-other"}})
	out, stderr, err := asNobody(t, "cat", m2.Path("assets", "private.png"))
	if err != nil || out != string(data) {
		t.Errorf("cat as nobody with --allow-other: %v %q", err, stderr)
	}
	if _, stderr, err := asNobody(t, "rm", "-f", m2.Path("assets", "private.png")); err == nil || !strings.Contains(stderr, "Permission denied") {
		t.Errorf("rm as nobody with --allow-other: %v %q, want Permission denied (assets/ is 0755, owned by the mounting user)", err, stderr)
	}
	if !hasAsset(emu, emu.assetsNamed("private.png")[0].ID) {
		t.Errorf("another user removed an asset")
	}
}

func TestCacheDirAndEverythingInItIsPrivateAfterReadsAndUploads(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{SeedAssets: 4, SeedJobs: 2, SeedStyles: 2})
	proxy := startRefusingProxy(t, emu)
	m := mountWith(t, emu, mountOpts{NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL},
		Flags: []string{"--upload-delay", "1h"}})
	for _, n := range listNames(t, m.Path("assets")) {
		run(t, "cat", m.Path("assets", n))
	}
	run(t, "ls", "-R", m.Path("jobs"), m.Path("styles"))
	// One upload done, one refused (kept with its error), one queued.
	run(t, "cp", writeTemp(t, "done.png", makePNG(1011, 5, 5)), m.Path("assets"))
	run(t, "sync", m.Path("assets", "done.png"))
	proxy.refuse(402, "insufficient credits")
	run(t, "cp", writeTemp(t, "refused.png", makePNG(1012, 5, 5)), m.Path("assets"))
	_, _, _ = runErr(t, "sync", m.Path("assets", "refused.png"))
	run(t, "cp", writeTemp(t, "queued.png", makePNG(1013, 5, 5)), m.Path("assets"))
	m.Stop()

	token := []byte(emu.Token())
	nFiles := 0
	err := filepath.WalkDir(m.CacheDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(m.CacheDir, p)
		switch {
		case fi.IsDir():
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("cache dir %s has mode %v, want 0700", rel, fi.Mode().Perm())
			}
		case fi.Mode().IsRegular():
			nFiles++
			if fi.Mode().Perm()&^0o600 != 0 {
				t.Errorf("cache file %s has mode %v, want 0600", rel, fi.Mode().Perm())
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, token) {
				t.Errorf("cache file %s contains the API token", rel)
			}
		default:
			t.Errorf("unexpected %v in the cache dir: %s", fi.Mode().Type(), rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"content", "state", "uploads"} {
		if _, err := os.Stat(filepath.Join(m.CacheDir, sub)); err != nil {
			t.Errorf("expected %s/ in the cache dir: %v", sub, err)
		}
	}
	t.Logf("%d files in the cache dir, none with the token, all 0600", nFiles)
}

func TestCacheDirOwnedBySomeoneElseOrWritableByOthersIsRefused(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root")
	}
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(1021, 2, 2), "x.png")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"owned by nobody", func(t *testing.T, dir string) {
			mustMkdir(t, dir, 0o700)
			mustRun(t, "chown", nobody+":"+nobody, dir)
		}},
		{"group writable", func(t *testing.T, dir string) {
			mustMkdir(t, dir, 0o770)
			mustChmod(t, dir, 0o770)
		}},
		{"world writable with the sticky bit", func(t *testing.T, dir string) {
			mustMkdir(t, dir, 0o700)
			mustChmod(t, dir, 0o1777)
		}},
		{"its content dir owned by nobody", func(t *testing.T, dir string) {
			mustMkdir(t, dir, 0o700)
			mustMkdir(t, filepath.Join(dir, "content"), 0o700)
			mustRun(t, "chown", nobody+":"+nobody, filepath.Join(dir, "content"))
		}},
		{"its content dir writable by others", func(t *testing.T, dir string) {
			mustMkdir(t, dir, 0o700)
			mustMkdir(t, filepath.Join(dir, "content"), 0o700)
			mustChmod(t, filepath.Join(dir, "content"), 0o777)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache")
			tc.setup(t, dir)
			m := startKreafs(t, emu, mountOpts{CacheDir: dir})
			select {
			case <-m.ready:
				t.Errorf("kreafs mounted with a cache dir %s", tc.name)
				m.Stop()
				return
			case <-m.done:
			case <-time.After(mountTimeout):
				t.Fatalf("kreafs neither mounted nor exited with a cache dir %s", tc.name)
			}
			m.WaitExit(1)
			msg := strings.TrimSpace(m.Stderr())
			if !strings.Contains(msg, "refus") && !strings.Contains(msg, "owned") && !strings.Contains(msg, "writable") {
				t.Errorf("kreafs' message for a cache dir %s does not say why: %q", tc.name, lastLine(msg))
			}
		})
	}
}

// Below a private cache dir nobody else can have written anything, so the
// upload queue's and the saved listings' directories are tightened when
// loose, not refused (the content store refuses a loose content/, above).
func TestLooseDirectoriesInsideAPrivateCacheDirAreTightened(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(1022, 2, 2), "y.png")
	dir := filepath.Join(t.TempDir(), "cache")
	subs := []string{"state", "uploads", filepath.Join("uploads", "spool"), filepath.Join("uploads", "journal")}
	for _, sub := range subs {
		mustMkdir(t, filepath.Join(dir, sub), 0o700)
		mustChmod(t, filepath.Join(dir, sub), 0o777)
	}
	mustChmod(t, dir, 0o700)
	m := mountWith(t, emu, mountOpts{CacheDir: dir})
	run(t, "cat", m.Path("assets", "y.png"))
	m.Stop()
	for _, sub := range subs {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s/ after a mount: %v, mode %v; want 0700", sub, err, fi.Mode().Perm())
		}
	}
}

func mustMkdir(t *testing.T, dir string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, perm); err != nil {
		t.Fatal(err)
	}
}

func mustChmod(t *testing.T, p string, perm os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v %s", name, args, err, out)
	}
}
