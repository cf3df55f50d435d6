//go:build linux

package integration

// A full cache disk (docs/reliability.md, "A full disk"): the cache dir on
// a tiny tmpfs. Reads keep working: the cache evicts to make room, and what
// still does not fit is read straight from the server; nothing crashes.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

// smallDisk mounts a tmpfs of size bytes (mode 0700, ours) and returns a
// not yet existing cache dir on it. Needs root (skips otherwise).
func smallDisk(t testing.TB, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			_ = syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return filepath.Join(dir, "cache")
}

// diskFree is the free space of the file system holding dir.
func diskFree(dir string) int64 {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return -1
	}
	return int64(st.Bavail) * st.Bsize
}

func TestFullCacheDiskKeepsReadsWorking(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	cacheDir := smallDisk(t, "8m")
	emu := startEmulator(t, emulator.Options{})
	files := map[string][]byte{}
	for i := 0; i < 5; i++ {
		files[fmt.Sprintf("take-%d.wav", i)] = makeWAV(uint64(800+i), 3<<20)
	}
	files["huge.wav"] = makeWAV(810, 12<<20) // larger than the whole disk
	files["tiny.png"] = makePNG(811, 8, 8)
	for n, d := range files {
		emu.add(d, n)
	}
	// --cache-size says 1 GiB: the disk fills long before the cache thinks
	// it is full.
	m := mountWith(t, emu, mountOpts{CacheDir: cacheDir, Flags: []string{"--cache-size", "1GiB"}})

	read := func(n string) error {
		got, err := os.ReadFile(m.Path("assets", n))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, files[n]) {
			return fmt.Errorf("%s: %d bytes read differ from the asset's %d", n, len(got), len(files[n]))
		}
		return nil
	}
	// Five 3 MiB files through an 8 MiB disk, twice: the cache must evict.
	var failed []string
	for round := 0; round < 2; round++ {
		for i := 0; i < 5; i++ {
			n := fmt.Sprintf("take-%d.wav", i)
			if err := read(n); err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", n, err))
			}
		}
	}
	t.Logf("after reading 30 MiB through an 8 MiB disk: %s free; failures: %q", mib(diskFree(cacheDir)), failed)
	if len(failed) > 0 {
		t.Errorf("reads of files that fit the disk failed when it filled: %q", failed)
	}

	// A file larger than the disk is read whole, straight from the server
	// (uncached), with a warning saying so.
	if err := read("huge.wav"); err != nil {
		t.Errorf("reading a 12 MiB file through an 8 MiB disk: %v", err)
	}
	if logCount(m.Stderr(), "reading this file straight from the server") == 0 {
		t.Errorf("no warning in the log that a file is read uncached on a full disk")
	}
	// The mount still works afterwards.
	if err := read("tiny.png"); err != nil {
		t.Errorf("reading a small file after the disk filled: %v", err)
	}
	run(t, "ls", "-l", m.Path("assets"))
	if m.Exited() {
		t.Fatalf("kreafs died on a full cache disk")
	}
}
