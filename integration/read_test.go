//go:build linux

package integration

// Reading assets: every byte as the file host serves it, reads at any
// offset, streaming of a large cold asset.

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestCmpOfEveryAssetAgainstItsImageURLIsIdentical(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{SeedAssets: 12})
	emu.add(makePNG(7, 64, 48), "mine.png")
	emu.add(makeWAV(7, 3<<20+123), "voice memo.wav")
	m := mount(t, emu)

	// Baselines, fetched the way a user would (curl when installed).
	assets := emu.Assets()
	if len(assets) < 14 {
		t.Fatalf("emulator has %d assets, want >= 14", len(assets))
	}
	baseDir := t.TempDir()
	byHash := map[[32]byte]string{} // content -> baseline file
	for _, a := range assets {
		p := filepath.Join(baseDir, a.ID)
		if _, err := exec.LookPath("curl"); err == nil {
			run(t, "curl", "-sSf", "-o", p, a.ImageURL)
		} else {
			if err := os.WriteFile(p, httpGet(t, a.ImageURL), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if a.Size() >= 0 && int64(len(data)) != a.Size() {
			t.Errorf("asset %s: image_url serves %d bytes, size_bytes says %d", a.ID, len(data), a.Size())
		}
		byHash[sha256.Sum256(data)] = p
		// By id, with the real cmp.
		run(t, "cmp", p, m.Path("assets", ".by-id", a.ID))
	}

	// By name: each listed file is byte-identical to exactly one asset.
	names := listNames(t, m.Path("assets"))
	if len(names) != len(assets) {
		t.Errorf("assets/ lists %d files, the account has %d assets", len(names), len(assets))
	}
	matched := map[string]string{}
	for _, n := range names {
		path := m.Path("assets", n)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", n, err)
			continue
		}
		base, ok := byHash[sha256.Sum256(data)]
		if !ok {
			t.Errorf("%s (%d bytes) matches no asset's image_url", n, len(data))
			continue
		}
		if other, dup := matched[base]; dup {
			t.Errorf("%s and %s hold the same asset", n, other)
		}
		matched[base] = n
		run(t, "cmp", base, path)
		fi, err := os.Stat(path)
		if err == nil && fi.Size() != int64(len(data)) {
			t.Errorf("stat %s says %d bytes, reading gives %d", n, fi.Size(), len(data))
		}
	}

	// Media tools can read them (CI installs both).
	if _, err := exec.LookPath("identify"); err == nil {
		run(t, "identify", m.Path("assets", "mine.png"))
	}
	if _, err := exec.LookPath("ffprobe"); err == nil {
		run(t, "ffprobe", "-v", "error", m.Path("assets", "voice memo.wav"))
	}
}

func TestReadsAtRandomOffsetsFetchOnlyWhatTheyNeed(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	const size = 40 << 20
	src := makeWAV(42, size)
	emu.add(src, "big.wav")
	m := mount(t, emu)
	big := m.Path("assets", "big.wav")

	if fi, err := os.Stat(big); err != nil || fi.Size() != size {
		t.Fatalf("stat big.wav: %v, want %d bytes", err, size)
	}
	// dd at a few scattered 4 KiB blocks, last block included.
	for _, blk := range []int{5000, 123, 9000, 2, size/4096 - 1} {
		out := run(t, "dd", "if="+big, "bs=4096", "skip="+strconv.Itoa(blk), "count=1", "status=none")
		if want := src[blk*4096 : blk*4096+4096]; out != string(want) {
			t.Errorf("dd skip=%d: %d bytes differ from the source", blk, len(out))
		}
	}
	// tail -c seeks to the end.
	if out := run(t, "tail", "-c", "1000", big); out != string(src[size-1000:]) {
		t.Errorf("tail -c 1000: %d bytes differ from the source", len(out))
	}
	// pread at an odd offset across a 4 KiB boundary.
	f, err := os.Open(big)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 10000)
	if _, err := f.ReadAt(buf, 31<<20+4095); err != nil || !bytes.Equal(buf, src[31<<20+4095:31<<20+4095+10000]) {
		t.Errorf("pread at %d: %v or bytes differ", 31<<20+4095, err)
	}
	// mmap, as image viewers and ffprobe may.
	mm, err := syscall.Mmap(int(f.Fd()), 20<<20, 1<<16, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Errorf("mmap: %v", err)
	} else {
		if !bytes.Equal(mm, src[20<<20:20<<20+1<<16]) {
			t.Errorf("mmap at 20 MiB: bytes differ from the source")
		}
		_ = syscall.Munmap(mm)
	}

	// Only the ranges read (plus read-ahead) were fetched: the cache holds
	// far less than the file.
	held := allocatedBytes(t, m.CacheDir)
	t.Logf("cache holds %s of a %s file after scattered reads; %d file-host requests",
		mib(held), mib(size), emu.Requests(filesPath(emu)))
	if held > size/2 {
		t.Errorf("after reading a few KiB at 7 offsets the cache holds %s of the %s file: whole-file download?",
			mib(held), mib(size))
	}
}

func TestColdReadOfA50MBAssetStreamsItsFirstBytes(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	const size = 50 << 20
	src := makeWAV(50, size)
	emu.add(src, "film score.wav")
	m := mount(t, emu)
	// 5 MB/s per download: the whole file needs about 10 s.
	const bw = 5 << 20
	emu.SetBandwidth(bw)

	start := time.Now()
	f, err := os.Open(m.Path("assets", "film score.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 4096)
	if _, err := io.ReadFull(f, head); err != nil {
		t.Fatalf("reading the first 4 KiB: %v", err)
	}
	first := time.Since(start)
	if !bytes.Equal(head, src[:4096]) {
		t.Fatalf("the first 4 KiB differ from the source")
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		t.Fatalf("reading the rest: %v", err)
	}
	all := time.Since(start)
	if n+4096 != size || !bytes.Equal(h.Sum(nil), sha256Of(src[4096:])) {
		t.Errorf("the rest of the file differs from the source (%d bytes read)", n)
	}
	t.Logf("first 4 KiB after %v, whole %s after %v (bandwidth cap %s/s per download)",
		first.Round(time.Millisecond), mib(size), all.Round(time.Millisecond), mib(bw))
	if first > 3*time.Second {
		t.Errorf("the first 4 KiB took %v: the read waited for (much of) the download", first)
	}
	if first > all/3 {
		t.Errorf("the first 4 KiB took %v of %v for the whole file: not streamed", first, all)
	}
}

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// filesPath is the path prefix the emulator's file host serves downloads
// under, for emu.Requests.
func filesPath(emu *Emulator) string {
	u := emu.FilesURL()
	// http://127.0.0.1:1234/files -> /files
	for i, slashes := 0, 0; i < len(u); i++ {
		if u[i] == '/' {
			if slashes++; slashes == 3 {
				return u[i:]
			}
		}
	}
	return "/"
}

func TestReadingManyFilesLeaksNoDescriptors(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	const n = 120
	for i := 0; i < n; i++ {
		emu.add(makePNG(uint64(7000+i), 2, 2), fmt.Sprintf("f%03d.png", i))
	}
	m := mount(t, emu)
	before := len(m.FDs())
	for round := 0; round < 2; round++ {
		for i := 0; i < n; i++ {
			if _, err := os.ReadFile(m.Path("assets", fmt.Sprintf("f%03d.png", i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	// 240 opens and closes; a bounded pool of open cache files is fine,
	// one descriptor per file read is a leak. (cleanup checks the same
	// against maxFDGrowth.)
	after := len(m.FDs())
	t.Logf("kreafs descriptors: %d before reading %d files twice, %d after", before, n, after)
	if after-before >= n/2 {
		t.Errorf("kreafs holds %d more descriptors after reading %d files twice", after-before, n)
	}
}

func TestCtrlCInterruptsAReadBlockedOnAStalledDownload(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makeWAV(11, 4<<20), "stuck.wav")
	ok := makePNG(11, 8, 8)
	emu.add(ok, "fine.png")
	m := mount(t, emu)
	run(t, "ls", m.Path("assets"))

	emu.SetStallAfter(0) // downloads send headers, then nothing
	cat := exec.Command("cat", m.Path("assets", "stuck.wav"))
	cat.Stdout = io.Discard
	if err := cat.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cat.Wait() }()
	select {
	case err := <-exited:
		t.Fatalf("cat of a stalled download ended by itself at once: %v", err)
	case <-time.After(time.Second):
	}
	start := time.Now()
	_ = cat.Process.Signal(os.Interrupt)
	select {
	case <-exited:
		t.Logf("cat ended %v after Ctrl-C", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second): // a third of the 30 s stall timeout: ample on a loaded machine, and still not the timeout
		_ = cat.Process.Kill()
		t.Fatalf("cat blocked on a stalled download did not end within 10s of Ctrl-C")
	}

	// The mount is still usable for other assets.
	emu.SetStallAfter(-1)
	if got, err := os.ReadFile(m.Path("assets", "fine.png")); err != nil || !bytes.Equal(got, ok) {
		t.Errorf("reading another asset after the interrupted read: %v (or other bytes)", err)
	}
	// (cleanup checks that SIGTERM still unmounts with the stalled
	// download hanging inside kreafs)
}
