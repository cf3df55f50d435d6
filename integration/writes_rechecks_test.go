//go:build linux

package integration

// How many times copying new files into assets/ asks the API whether a
// name exists: a name the listing lacks is re-checked before ENOENT, but
// not the temporary names rsync writes, and not again by the same program
// within a second (docs/performance.md, "Real wire").

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

// newFiles writes n small PNGs into a new directory.
func newFiles(t *testing.T, n int, prefix string) string {
	t.Helper()
	src := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("%s-%02d.png", prefix, i)), makePNG(uint64(i), 8, 8), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func TestRsyncAndCpOfNewFilesAskTheAPIAboutEachNewNameOnceOrTwice(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "rsync")
	const n = 10
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(99, 2, 2), "listed.png")
	// The listing lasts the whole test, and nothing uploads while the
	// programs run: every /assets request they cause is a re-check.
	m := mount(t, emu, "--dir-cache-ttl", "1h", "--upload-delay", "1h")
	run(t, "ls", m.Path("assets"))

	before := emu.Requests("/assets")
	run(t, "rsync", "-rt", newFiles(t, n, "rsynced")+"/", m.Path("assets")+"/")
	// rsync looks each new name up in two processes (its generator's lstat,
	// its receiver's open and rename) and its temp name three times: two
	// re-checks a file, where each lookup was one (six). The bound leaves
	// room for a receiver slower than the memo's second on a busy machine.
	if got := emu.Requests("/assets") - before; got > 3*n {
		t.Errorf("rsync of %d new files made %d /assets requests, want at most %d", n, got, 3*n)
	}

	before = emu.Requests("/assets")
	run(t, "cp", "-r", newFiles(t, n, "copied")+"/.", m.Path("assets")+"/")
	// cp's stat of the target, the kernel's lookup before the create and
	// the create's own: one re-check a file (three before; the bound has
	// the same room as rsync's).
	if got := emu.Requests("/assets") - before; got > 2*n {
		t.Errorf("cp -r of %d new files made %d /assets requests, want at most %d", n, got, 2*n)
	}

	// A name missed a moment ago by one program is still asked for by the
	// next: an asset uploaded elsewhere in between is found.
	if _, err := os.Stat(m.Path("assets", "elsewhere.png")); !os.IsNotExist(err) {
		t.Fatalf("stat elsewhere.png before its upload: %v, want ENOENT", err)
	}
	emu.add(makePNG(7, 2, 2), "elsewhere.png")
	run(t, "stat", m.Path("assets", "elsewhere.png"))

	run(t, "sync", m.Path("assets"))
	waitUploads(t, emu, 2*n)
}
