package fs

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// An ls -l of assets without size_bytes learns their sizes several at a
// time, not one round trip after the other, and shows the real sizes.
func TestLsLOfAssetsWithoutSizesLearnsThemConcurrently(t *testing.T) {
	const n, latency = 40, 150 * time.Millisecond
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: n}, remote: func(c *api.Client) Remote { return noSizes{c} }})
	m.emu.SetFilesLatency(latency)
	start := time.Now()
	if out, err := exec.Command("ls", "-l", m.path("assets")).CombinedOutput(); err != nil {
		t.Fatalf("ls -l: %v: %s", err, out)
	}
	// One by one it takes n round trips (6 s); at most half of that here,
	// a wide margin for a loaded machine.
	if took := time.Since(start); took > n*latency/2 {
		t.Errorf("ls -l of %d assets without size_bytes took %v, want under %v", n, took, n*latency/2)
	}
	names := m.names()
	for _, a := range m.emu.Assets() {
		fi, err := os.Stat(m.path("assets", names[a.ID]))
		if err != nil {
			t.Fatal(err)
		}
		if want := m.emu.AssetFileSize(a.ID); fi.Size() != want {
			t.Errorf("%s: size %d, want %d", names[a.ID], fi.Size(), want)
		}
	}
}
