//go:build linux

package integration

// How many times copying new files into assets/ asks the API whether a
// name exists: a name the listing lacks is re-checked before ENOENT, but
// not the temporary names rsync writes, not again by the same program
// within a second, and during a bulk copy not more than about once a
// second (docs/semantics.md, "Freshness"; docs/performance.md, "A missing
// name cost a round trip, six times a file").

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// newFiles writes n small PNGs into a new directory.
func newFiles(t *testing.T, n int, prefix string) string {
	t.Helper()
	src := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("%s-%03d.png", prefix, i)), makePNG(uint64(i), 8, 8), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func TestBulkCopiesOfNewFilesAskTheAPIAboutNamesAboutOnceASecondNotOnceAFile(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "rsync")
	const n = 100
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(999, 2, 2), "listed.png")
	// The listing lasts the whole test, and files written in place wait
	// for the upload delay; rsync's, renamed from temp names, upload as
	// they land: every other /assets request is a re-check.
	m := mount(t, emu, "--dir-cache-ttl", "1h", "--upload-delay", "1h")
	run(t, "ls", m.Path("assets"))

	// Before a copy counts as a burst, each new name costs rsync two
	// re-checks (its generator's lstat and its receiver's open are two
	// processes) and cp one; more than 4 names missed within a second make
	// a burst, in which a miss is answered from a re-check that began less
	// than a second ago, and a new one starts in the background every half
	// second. So: the first five names, then two or three re-checks a
	// second. Asking once a file would be n for cp, 2n for rsync.
	bound := func(elapsed time.Duration) int { return 2*5 + 3*(int(elapsed/time.Second)+1) }
	copyNew := func(what string, during func(), args ...string) {
		t.Helper()
		before, uploads := emu.Requests("/assets"), emu.UploadCount()
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			_, stderr, err := kreafstest.RunErr(runTimeout, args[0], args[1:]...)
			if err != nil {
				err = fmt.Errorf("%v\nstderr: %s", err, stderr)
			}
			done <- err
		}()
		if during != nil {
			during()
		}
		if err := <-done; err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		elapsed := time.Since(start)
		got := emu.Requests("/assets") - before - (emu.UploadCount() - uploads)
		t.Logf("%s of %d new files: %d /assets requests besides uploads in %v", what, n, got, elapsed.Round(time.Millisecond))
		if want := bound(elapsed); got > want {
			t.Errorf("%s of %d new files took %v and made %d /assets requests besides uploads, want at most %d", what, n, elapsed.Round(time.Millisecond), got, want)
		}
	}
	copyNew("rsync -rt", nil, "rsync", "-rt", newFiles(t, n, "rsynced")+"/", m.Path("assets")+"/")
	// During a bulk copy, an asset uploaded elsewhere is found by name
	// within about a second (burstFresh), not at once.
	copyNew("cp -r", func() {
		time.Sleep(time.Second)
		emu.add(makePNG(8, 2, 2), "during.png")
		added := time.Now()
		for {
			if _, _, err := runErr(t, "stat", m.Path("assets", "during.png")); err == nil {
				t.Logf("during the copy, an asset uploaded elsewhere was found by name %v after its upload", time.Since(added).Round(time.Millisecond))
				return
			}
			if time.Since(added) > 3*time.Second {
				t.Errorf("during a bulk copy, an asset uploaded elsewhere is not found by name %v after its upload; want about a second", time.Since(added).Round(time.Millisecond))
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}, "cp", "-r", newFiles(t, n, "copied")+"/.", m.Path("assets")+"/")

	// Once the copies are over, a name missed a moment ago by one program
	// is asked for again by the next: an asset uploaded elsewhere in
	// between is found at once.
	time.Sleep(2 * time.Second)
	if _, err := os.Stat(m.Path("assets", "elsewhere.png")); !os.IsNotExist(err) {
		t.Fatalf("stat elsewhere.png before its upload: %v, want ENOENT", err)
	}
	emu.add(makePNG(7, 2, 2), "elsewhere.png")
	run(t, "stat", m.Path("assets", "elsewhere.png"))

	// Every file copied lands, under its name.
	run(t, "sync", m.Path("assets"))
	waitUploads(t, emu, 2*n)
	names := emu.descriptions()
	for _, prefix := range []string{"rsynced", "copied"} {
		for i := range n {
			if name := fmt.Sprintf("%s-%03d.png", prefix, i); names[name] != 1 {
				t.Errorf("the account has %d assets named %s, want 1", names[name], name)
			}
		}
	}
	if ls := run(t, "ls", m.Path("assets")); strings.Count(ls, ".png\n") != 2*n+3 {
		t.Errorf("ls assets/ shows %d names, want %d", strings.Count(ls, ".png\n"), 2*n+3)
	}
}

// During a burst of misses (a bulk copy of new files), the kernel keeps a
// name kreafs answered "missing" under the burst rule as a negative entry
// for as long as that answer stands (under a second): the next program's
// lookup of it does not reach kreafs. rsync looks each new name up two or
// three times. Once the burst is over, every program's lookup asks again.
func TestDuringABurstTheKernelKeepsMissedNamesForUnderASecond(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m, url := mountWithMetrics(t, emu, "--dir-cache-ttl", "1h")
	run(t, "ls", m.Path("assets"))
	lookups := func() float64 { return scrape(t, url)["kreafs_fuse_operations_total{op=lookup}"] }
	const n = 20
	var paths []string
	for i := range n {
		paths = append(paths, m.Path("assets", fmt.Sprintf("missing-%02d.png", i)))
	}
	statAll := func() float64 {
		t.Helper()
		before := lookups()
		if _, _, err := runErr(t, "stat", paths...); err == nil {
			t.Fatal("stat of names that do not exist succeeded")
		}
		return lookups() - before
	}
	first := statAll() // the first 5 names re-checked, then a burst
	second := statAll()
	t.Logf("lookups of %d missed names: %v by the first stat, %v by the second right after", n, first, second)
	if first < n {
		t.Fatalf("the first stat of %d new names made %v lookups, want at least %d", n, first, n)
	}
	if second > 8 {
		t.Errorf("a second program's stat of %d names missed a moment ago, in a burst, made %v lookups; want at most 8 (the names answered before the burst began)", n, second)
	}

	// After the burst, quiet use: every program's lookup asks.
	time.Sleep(2500 * time.Millisecond)
	for i := range 2 {
		before := lookups()
		if _, _, err := runErr(t, "stat", paths[n-1]); err == nil {
			t.Fatal("stat of a name that does not exist succeeded")
		}
		if got := lookups() - before; got != 1 {
			t.Errorf("stat %d of a missing name after the burst made %v lookups, want 1", i+1, got)
		}
	}
}
