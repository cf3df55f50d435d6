//go:build linux

package integration

// Mount-time refusals: each is one line on stderr and status 1, before
// anything is mounted. An unreachable API with a saved listing still
// mounts (offline).

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestEachMountRefusalIsOneLineAndStatusOne(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	tok := tokenFile(t, emu)
	live := mount(t, emu)

	nonEmpty := newMountDir(t)
	if err := os.WriteFile(filepath.Join(nonEmpty, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		story string
		api   string
		dir   string
		want  string
	}{
		{"a mount point that is not empty", emu.URL(), nonEmpty, "is not empty"},
		{"a mount point that is already a live mount", emu.URL(), live.Dir, "already a mount"},
		{"an API that cannot be reached, with no saved listing", "http://127.0.0.1:1", newMountDir(t), "cannot reach the API"},
	} {
		t.Run(tc.story, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "cache")
			stdout, stderr, status := runKreafs(t, "", nil, "mount", "--api-url", tc.api, "--token-file", tok, "--cache-dir", cache, tc.dir)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if status != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "kreafs: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("status %d, stderr %q; want status 1 and one line saying %q", status, stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(nonEmpty, "notes.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the non-empty mount point's file: %q, %v", b, err)
	}
	if live.Exited() || mountsAt(live.Dir) != 1 {
		t.Errorf("the refused second mount disturbed the live one")
	}

	// --allow-non-empty mounts over it anyway.
	m := mountWith(t, emu, mountOpts{Dir: nonEmpty, Flags: []string{"--allow-non-empty"}})
	m.Stop()
}

// An API that is down at start with a saved listing of it in the cache
// dir: kreafs mounts from the listing, as before.
func TestOfflineStartWithASavedListingStillMounts(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(7601, 8, 8), "kept.png")
	m := mount(t, emu)
	if got := listNames(t, m.Path("assets")); !slices.Contains(got, "kept.png") {
		t.Fatalf("assets/ shows %q", got)
	}
	m.Stop()
	emu.Close()
	m2 := mountWith(t, emu, mountOpts{CacheDir: m.CacheDir})
	if got := listNames(t, m2.Path("assets")); !slices.Contains(got, "kept.png") {
		t.Errorf("offline, assets/ shows %q, want the saved kept.png", got)
	}
	if !strings.Contains(m2.Stderr(), "API unreachable at start") {
		t.Errorf("no warning that the API was unreachable")
	}
}
