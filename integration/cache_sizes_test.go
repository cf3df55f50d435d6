//go:build linux

package integration

// Sizes learned by probes (assets whose listing gives no size_bytes) are
// kept in the cache dir, so a remount's `ls -l` asks the file host nothing.

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

// lsSizes runs `ls -l` on dir and returns each entry's size by name.
func lsSizes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	sizes := map[string]int64{}
	for _, line := range strings.Split(run(t, "ls", "-l", "--time-style=+T", dir), "\n") {
		i := strings.Index(line, " T ")
		if i < 0 {
			continue // "total N", the last newline
		}
		f := strings.Fields(line[:i])
		n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err != nil {
			t.Fatalf("ls -l line %q: %v", line, err)
		}
		sizes[line[i+3:]] = n
	}
	return sizes
}

func TestAssetSizesProbedOnceAreKnownAfterRemountWithoutAProbe(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	// 200 seeded assets: 24 of them have size_bytes null.
	emu := startEmulator(t, emulator.Options{SeedAssets: 200})
	cacheDir := t.TempDir()

	m1 := mountWith(t, emu, mountOpts{CacheDir: cacheDir})
	before := emu.Requests(filesPath(emu))
	first := lsSizes(t, m1.Path("assets"))
	probes := emu.Requests(filesPath(emu)) - before
	m1.Stop()
	if probes == 0 {
		t.Fatalf("the first ls -l of %d assets made no file-host request: no asset lacks its size?", len(first))
	}
	if len(first) < 200 {
		t.Fatalf("ls -l listed %d entries; want the 200 seeded assets", len(first))
	}

	m2 := mountWith(t, emu, mountOpts{CacheDir: cacheDir})
	before = emu.Requests(filesPath(emu))
	second := lsSizes(t, m2.Path("assets"))
	if n := emu.Requests(filesPath(emu)) - before; n != 0 {
		t.Errorf("ls -l after a remount made %d file-host requests (the first made %d); want 0: sizes probed before are kept", n, probes)
	}
	for name, n := range first {
		if second[name] != n {
			t.Errorf("%s: %d bytes after the remount, %d before", name, second[name], n)
		}
	}
	t.Logf("file-host requests of ls -l: %d on the first mount, 0 wanted after the remount", probes)
}
