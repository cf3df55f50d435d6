//go:build linux

package integration

// The disk cache as a user meets it: reuse across mounts without the
// network, eviction under --cache-size, private permissions.

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestCachedAssetsAreReadAfterRemountWithoutTheNetwork(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	png := makePNG(3, 80, 60)
	wav := makeWAV(3, 3<<20)
	emu.add(png, "cover.png")
	emu.add(wav, "take 1.wav")
	cacheDir := filepath.Join(t.TempDir(), "cache")

	m1 := mountWith(t, emu, mountOpts{CacheDir: cacheDir})
	run(t, "cmp", writeTemp(t, "cover.png", png), m1.Path("assets", "cover.png"))
	run(t, "cmp", writeTemp(t, "take.wav", wav), m1.Path("assets", "take 1.wav"))
	m1.Stop()

	readCached := func(t *testing.T, m *Mount) {
		t.Helper()
		for name, want := range map[string][]byte{"cover.png": png, "take 1.wav": wav} {
			got, err := os.ReadFile(m.Path("assets", name))
			if err != nil {
				t.Errorf("reading cached %s: %v", name, err)
			} else if !bytes.Equal(got, want) {
				t.Errorf("cached %s differs from the asset", name)
			}
		}
	}

	t.Run("file host failing", func(t *testing.T) {
		// Every download is cut: only the cache can serve the bytes.
		emu.SetCutRate(1)
		defer emu.SetCutRate(0)
		before := emu.Requests(filesPath(emu))
		m2 := mountWith(t, emu, mountOpts{CacheDir: cacheDir})
		readCached(t, m2)
		if n := emu.Requests(filesPath(emu)) - before; n != 0 {
			t.Errorf("reading cached assets made %d file-host requests, want 0", n)
		}
		m2.Stop()
	})

	t.Run("emulator stopped", func(t *testing.T) {
		url := emu.URL()
		emu.Close()
		m3 := mountWith(t, nil, mountOpts{CacheDir: cacheDir,
			Env: []string{"KREA_API_URL=" + url, "KREA_API_TOKEN=" + emu.Token()}})
		m3.Token = emu.Token()
		readCached(t, m3)
	})
}

func TestEvictionKeepsTheCacheUnderCacheSize(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	const (
		limit     = 8 << 20
		assetSize = 3 << 20
		nAssets   = 6
	)
	srcs := make([]string, nAssets)
	for i := range srcs {
		data := makeWAV(uint64(100+i), assetSize)
		emu.add(data, fmt.Sprintf("clip-%d.wav", i))
		srcs[i] = writeTemp(t, fmt.Sprintf("clip-%d.wav", i), data)
	}
	m := mount(t, emu, "--cache-size", "8MiB")

	// Watch the cache while reading: it may exceed the limit only by the
	// data in flight (one asset here, plus a chunk of slack).
	var (
		mu       sync.Mutex
		peak     int64
		stopPeek = make(chan struct{})
		peekDone = make(chan struct{})
	)
	go func() {
		defer close(peekDone)
		for {
			select {
			case <-stopPeek:
				return
			case <-time.After(20 * time.Millisecond):
			}
			n := allocatedBytesQuiet(contentDir(m.CacheDir))
			mu.Lock()
			peak = max(peak, n)
			mu.Unlock()
		}
	}()

	const slack = 1 << 20 // index files, a partly written chunk
	for round := 0; round < 2; round++ {
		for i, src := range srcs {
			run(t, "cmp", src, m.Path("assets", fmt.Sprintf("clip-%d.wav", i)))
			var held int64
			// Eviction runs once the download has ended; on a loaded
			// machine that can take a few seconds after cmp is done.
			err := eventually(10*time.Second, func() error {
				held = allocatedBytes(t, contentDir(m.CacheDir))
				if held > limit+slack {
					return fmt.Errorf("over")
				}
				return nil
			})
			if err != nil {
				t.Errorf("after reading clip-%d.wav (round %d) the cache holds %s, limit 8 MiB", i, round, mib(held))
			}
		}
	}
	close(stopPeek)
	<-peekDone
	t.Logf("peak cache content during reads: %s (limit 8 MiB)", mib(peak))
	if peak > limit+assetSize+4<<20 {
		t.Errorf("the cache peaked at %s: more than the limit plus the data in flight", mib(peak))
	}

	// Least recently used goes first: the last two assets read are still
	// cached, the first one is not. A new mount of the same cache dir, so
	// the kernel's page cache cannot answer for kreafs.
	m.Stop()
	m2 := mountWith(t, emu, mountOpts{CacheDir: m.CacheDir, Flags: []string{"--cache-size", "8MiB"}})
	before := emu.Requests(filesPath(emu))
	for _, i := range []int{nAssets - 1, nAssets - 2} {
		run(t, "cmp", srcs[i], m2.Path("assets", fmt.Sprintf("clip-%d.wav", i)))
	}
	if n := emu.Requests(filesPath(emu)) - before; n != 0 {
		t.Errorf("re-reading the two most recently used assets made %d downloads, want 0 (cached)", n)
	}
	before = emu.Requests(filesPath(emu))
	run(t, "cmp", srcs[0], m2.Path("assets", "clip-0.wav"))
	if n := emu.Requests(filesPath(emu)) - before; n == 0 {
		t.Errorf("re-reading the least recently used asset made no download: was nothing evicted?")
	}
}

// allocatedBytesQuiet is allocatedBytes for a background goroutine: no
// testing.T, errors ignored.
func allocatedBytesQuiet(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			total += statBlocks(fi) * 512
		}
		return nil
	})
	return total
}

func TestCacheDirIsPrivateAndHoldsNoToken(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{SeedAssets: 5})
	emu.add(makeWAV(9, 1<<20), "song.wav")
	m := mount(t, emu)
	for _, n := range listNames(t, m.Path("assets")) {
		if _, err := os.ReadFile(m.Path("assets", n)); err != nil {
			t.Errorf("read %s: %v", n, err)
		}
	}
	m.Stop() // flush whatever the cache writes at exit

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
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(data, []byte(emu.Token())) {
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
	if nFiles == 0 {
		t.Errorf("the cache dir holds no files after reading every asset")
	}
}

func TestLooseCacheDirIsTightenedOrRefused(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(1, 2, 2), "x.png")

	// docs/configuration.md: a 0755 dir of your own is tightened to 0700.
	loose := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(loose, 0o755); err != nil {
		t.Fatal(err)
	}
	m := mountWith(t, emu, mountOpts{CacheDir: loose})
	run(t, "cat", m.Path("assets", "x.png"))
	if fi, err := os.Stat(loose); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("a 0755 cache dir after mounting: %v %v, want 0700", fi.Mode().Perm(), err)
	}
	m.Stop()

	// A group/world-writable one is refused: exit 1, nothing mounted.
	world := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(world, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(world, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	m2 := startKreafs(t, emu, mountOpts{CacheDir: world})
	select {
	case <-m2.done:
	case <-time.After(mountTimeout):
		t.Fatalf("kreafs still runs with a world-writable cache dir")
	}
	m2.WaitExit(1)
	if strings.Contains(m2.Stdout(), readyPrefix) {
		t.Errorf("kreafs mounted with a world-writable cache dir")
	}
}
