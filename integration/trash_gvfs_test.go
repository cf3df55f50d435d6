//go:build linux

package integration

// The trash through GVfs (docs/semantics.md, "Trash"): `gio trash FILE`
// is GLib's own move into MOUNT/.Trash-<uid>; listing, restoring and
// emptying go through gvfsd-trash (trash:///) on a session bus of the
// test's own. Needs gio, dbus-daemon and GVfs (Debian: libglib2.0-bin,
// dbus-daemon, gvfs).

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// gvfsdTrashPaths are where distributions install gvfsd-trash (it is
// started by D-Bus activation, not from PATH).
var gvfsdTrashPaths = []string{"/usr/libexec/gvfsd-trash", "/usr/lib/gvfs/gvfsd-trash", "/usr/libexec/gvfs/gvfsd-trash"}

// gvfsSession starts a session bus for GVfs (its daemons are started by
// the bus and end with it) and returns the environment gio runs in: a
// home of its own (never the real home trash) and no GVfs FUSE mount.
func gvfsSession(t *testing.T) []string {
	t.Helper()
	needProgram(t, "gio")
	needProgram(t, "dbus-daemon")
	found := false
	for _, p := range gvfsdTrashPaths {
		if _, err := os.Stat(p); err == nil {
			found = true
		}
	}
	// GIO reaches GVfs through this module (package gvfs).
	module, _ := filepath.Glob("/usr/lib*/*/gio/modules/libgvfsdbus.so")
	module2, _ := filepath.Glob("/usr/lib*/gio/modules/libgvfsdbus.so")
	if !found || len(module)+len(module2) == 0 {
		if kreafstest.FUSERequired() {
			t.Fatalf("GVfs (Debian packages gvfs and gvfs-daemons) is required but not installed: gvfsd-trash in %v: %v, GIO module libgvfsdbus.so: %v", gvfsdTrashPaths, found, len(module)+len(module2) > 0)
		}
		t.Skip("GVfs (gvfsd-trash, libgvfsdbus.so) not installed")
	}
	home := t.TempDir()
	runtime := filepath.Join(home, "run")
	if err := os.Mkdir(runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	env := baseEnv(t)
	out := env[:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DBUS_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
			out = append(out, kv)
		}
	}
	env = append(out, "HOME="+home, "XDG_RUNTIME_DIR="+runtime, "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "GVFS_DISABLE_FUSE=1")

	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	bus.Env = env
	addr := startLines(t, bus)
	select {
	case a, ok := <-addr:
		if !ok || a == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return append(env, "DBUS_SESSION_BUS_ADDRESS="+a)
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon printed no address within 10 s")
	}
	return nil
}

// gio runs gio with args in env and returns its stdout; a failure fails
// the test with what gio and kreafs said.
func gio(t *testing.T, m *Mount, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "gio", args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gio %s: %v\n%s%s\n%s", strings.Join(args, " "), err, out, stderr.String(), m.Logs())
	}
	return string(out)
}

// gioTrashList is `gio trash --list` of m's trash: trash:/// URI ->
// original path (gvfsd-trash lists the trash of every mount it sees).
func gioTrashList(t *testing.T, m *Mount, env []string) map[string]string {
	t.Helper()
	items := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(gio(t, m, env, "trash", "--list")), "\n") {
		if uri, orig, ok := strings.Cut(l, "\t"); ok && strings.HasPrefix(orig, m.Path()+"/") {
			items[uri] = orig
		}
	}
	return items
}

// Not parallel: `gio trash --empty` empties the trash of every mount
// gvfsd-trash sees, also those of the other tests of this package.
func TestGioTrashListRestoreAndEmptyGoThroughGVfsWithTheAPICheckedAfterEachStep(t *testing.T) {
	requireFUSE(t)
	env := gvfsSession(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "0", "--dir-cache-ttl", "1s")
	data := makePNG(9, 8, 8)
	file := m.Path("assets", "album", "beach.png")
	run(t, "mkdir", m.Path("assets", "album"))
	run(t, "cp", writeTemp(t, "beach.png", data), file)
	run(t, "sync", file)
	waitUploads(t, emu, 1)
	id := emu.assetsNamed("album/beach.png")[0].ID
	uploads := emu.UploadCount()

	// gio trash: hidden here, kept on Krea; trash:/// lists it with where
	// it was.
	gio(t, m, env, "trash", file)
	if !hasAsset(emu, id) {
		t.Fatal("gio trash deleted the asset on Krea")
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("after gio trash the file still shows: %v", err)
	}
	items := gioTrashList(t, m, env)
	var uri string
	for u, orig := range items {
		if orig == file {
			uri = u
		}
	}
	if len(items) != 1 || !strings.HasPrefix(uri, "trash:///") {
		t.Fatalf("gio trash --list: %q, want one item from %s", items, file)
	}
	if l := gio(t, m, env, "list", "trash:///"); !strings.Contains(l, "beach.png") {
		t.Errorf("gio list trash:/// shows %q", l)
	}

	// Restore through GVfs: back in place, the same asset, no upload.
	gio(t, m, env, "trash", "--restore", uri)
	if b, err := os.ReadFile(file); err != nil || string(b) != string(data) {
		t.Errorf("restored file: %d bytes, %v", len(b), err)
	}
	if got := emu.assetsNamed("album/beach.png"); emu.UploadCount() != uploads || len(got) != 1 || got[0].ID != id || len(emu.Assets()) != 1 {
		t.Errorf("restore: %d uploads (was %d), assets named album/beach.png %v, want the one asset %s", emu.UploadCount(), uploads, got, id)
	}
	if items := gioTrashList(t, m, env); len(items) != 0 {
		t.Errorf("after restore gio trash --list shows %q", items)
	}

	// Trash again, then empty: GVfs moves the item into expunged/ and
	// removes it from there, which sends the DELETE.
	gio(t, m, env, "trash", file)
	if items := gioTrashList(t, m, env); len(items) != 1 {
		t.Fatalf("after trashing again gio trash --list shows %q", items)
	}
	if !hasAsset(emu, id) {
		t.Fatal("trashing again deleted the asset on Krea")
	}
	deletes := emu.Requests("/assets/" + id)
	gio(t, m, env, "trash", "--empty")
	// gvfsd-trash removes what it moved into expunged/ from a thread of
	// its own, after gio returns.
	if err := eventually(10*time.Second, func() error {
		if hasAsset(emu, id) {
			return os.ErrExist
		}
		return nil
	}); err != nil {
		t.Fatalf("gio trash --empty did not delete the asset on Krea within 10 s\n%s", m.Logs())
	}
	if emu.Requests("/assets/"+id) <= deletes {
		t.Error("the asset went without a request to /assets/{id}")
	}
	if items := gioTrashList(t, m, env); len(items) != 0 {
		t.Errorf("after emptying gio trash --list shows %q", items)
	}
	for _, sub := range []string{"files", "info", "expunged"} {
		if names := listNames(t, m.trashDir(sub)); len(names) != 0 {
			t.Errorf("after emptying %s/ lists %q", sub, names)
		}
	}
	if emu.UploadCount() != uploads {
		t.Errorf("%d uploads, want %d", emu.UploadCount(), uploads)
	}
}
