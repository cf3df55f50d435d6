//go:build linux

package integration

// Test data and the in-process emulator: PNG and WAV makers, HTTP
// baselines of an asset's bytes, cache directory measurements.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// Emulator is the in-process Krea emulator of one test, with the
// integration tests' own helpers.
type Emulator struct {
	*kreafstest.Emulator
}

// startEmulator starts an emulator with a random token and its own data
// dir (unless opts say otherwise). Cleanup checks the token never went to
// a file host, then closes it.
func startEmulator(t testing.TB, opts emulator.Options) *Emulator {
	t.Helper()
	return &Emulator{kreafstest.StartEmulator(t, opts)}
}

// add uploads data as a new asset through the emulator's Go API.
func (e *Emulator) add(data []byte, description string) api.Asset {
	t := e.TB()
	t.Helper()
	a, err := e.AddAsset(data, description)
	if err != nil {
		t.Fatalf("AddAsset(%q): %v", description, err)
	}
	return a
}

// ---- content ----

// makePNG is a small valid PNG whose pixels depend on seed, so different
// seeds give different bytes.
func makePNG(seed uint64, w, h int) []byte {
	r := mrand.New(mrand.NewPCG(seed, 0x6b726561))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// makeWAV is a valid mono 16-bit PCM WAV of exactly size bytes (>= 46) of
// seeded noise: the cheap way to make a large accepted asset.
func makeWAV(seed uint64, size int) []byte {
	if size < 46 {
		size = 46
	}
	size &^= 1 // whole 16-bit samples
	b := make([]byte, size)
	kreafstest.PutWAVHeader(b)
	r := mrand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24), 'k', 'r', 'e', 'a'})
	_, _ = r.Read(b[44:])
	return b
}

// writeTemp writes data to a file in t's temp dir and returns its path.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// httpGet is the baseline of an asset's bytes: a plain GET of its
// image_url, the way curl would fetch it (no token).
var httpGet = kreafstest.HTTPGet

// ---- cache directory measurements ----

// allocatedBytes is the disk space (st_blocks, so sparse files count only
// what they hold) of every regular file under dir.
func allocatedBytes(t testing.TB, dir string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed meanwhile (eviction)
		}
		total += statBlocks(fi) * 512
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("walking %s: %v", dir, err)
	}
	return total
}

// contentDir is where the cache keeps asset bytes: <cache-dir>/content
// (docs/semantics.md) when it exists, else the whole cache dir.
func contentDir(cacheDir string) string {
	c := filepath.Join(cacheDir, "content")
	if fi, err := os.Stat(c); err == nil && fi.IsDir() {
		return c
	}
	return cacheDir
}

// statBlocks is st_blocks (512-byte units) of fi.
func statBlocks(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks
	}
	return 0
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
