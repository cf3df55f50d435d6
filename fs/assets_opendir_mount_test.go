package fs

import (
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// fills is how many times assets/ streamed its whole listing to the kernel.
func (m *testMount) fills() int {
	return m.root.assets.KernelListingFills()
}

func (m *testMount) ls(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(m.path("assets"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestLsWithinTheTTLIsAnsweredByTheKernel(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 40}, cfg: func(c *Config) { c.DirCacheTTL = time.Minute }})
	first := m.ls(t)
	if len(first) != 40 || m.fills() != 1 {
		t.Fatalf("first ls: %d names, %d fills; want 40 and 1", len(first), m.fills())
	}
	m.clock.Add(30 * time.Second)
	if again := m.ls(t); !slices.Equal(again, first) || m.fills() != 1 {
		t.Errorf("ls within the TTL: %d names, %d fills; want the same names from the kernel's copy (1 fill)", len(again), m.fills())
	}
	// Past the TTL the listing is asked again, and the kernel's copy (and
	// the names it learned with it) is refilled even though nothing changed.
	m.clock.Add(31 * time.Second)
	if again := m.ls(t); !slices.Equal(again, first) || m.fills() != 2 {
		t.Errorf("ls after the TTL: %d names, %d fills; want the same names, refilled (2 fills)", len(again), m.fills())
	}
}

func TestLsShowsAChangeMadeWithinTheTTLAtOnce(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 5}})
	before := m.ls(t)
	// A name the listing lacks is re-checked (and merged) by a lookup; the
	// next ls shows it although the TTL (an hour) has not passed.
	if _, err := m.emu.AddAsset(pngBytes(), "fresh.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.path("assets", "fresh.png")); err != nil {
		t.Fatal(err)
	}
	after := m.ls(t)
	if !slices.Contains(after, "fresh.png") || len(after) != len(before)+1 {
		t.Errorf("ls after a re-check found fresh.png: %v", after)
	}
	// rm through the mount: gone from the next ls.
	if err := os.Remove(m.path("assets", before[0])); err != nil {
		t.Fatal(err)
	}
	if again := m.ls(t); slices.Contains(again, before[0]) || len(again) != len(after)-1 {
		t.Errorf("ls after rm %s: %v", before[0], again)
	}
	// rm of the .by-id name drops the plain name too.
	var id string
	for aid, name := range m.names() {
		if name == "fresh.png" {
			id = aid
		}
	}
	if err := os.Remove(m.path("assets", ".by-id", id)); err != nil {
		t.Fatal(err)
	}
	if again := m.ls(t); slices.Contains(again, "fresh.png") {
		t.Errorf("ls after rm .by-id/%s still shows fresh.png", id)
	}
}

func TestOneLsListsOnceEvenIfTheTTLRunsOutMeanwhile(t *testing.T) {
	// A clock that moves a second per reading: the 10 s listing TTL runs out
	// many times during one ls -l of 300 assets. READDIRPLUS must answer its
	// per-entry lookups from the listing the directory stream came from, not
	// list again for each entry.
	var clk testClock
	clk.now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 300}, cfg: func(c *Config) {
		c.DirCacheTTL = 10 * time.Second
		c.Clock = func() time.Time { clk.Add(time.Second); return clk.Now() }
	}})
	before := m.emu.Requests("/assets")
	out := run(t, "ls", "-l", m.path("assets")+"/")
	if n := strings.Count(out, "\n"); n != 301 { // "total" + 300
		t.Fatalf("ls -l printed %d lines", n)
	}
	if got := m.emu.Requests("/assets") - before; got > 3 {
		t.Errorf("one ls -l of 300 assets made %d listing requests (one listing is 1 page); the listing was fetched again per entry", got)
	}
}

func TestColdLsLShowsEveryAssetsAttributesWithEntriesPreparedAhead(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 600}})
	want := map[string]api.Asset{}
	as := m.emu.Assets()
	for i, name := range view.AssetNames(as) {
		want[name] = as[i]
	}
	ents, err := os.ReadDir(m.path("assets"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(as) {
		t.Fatalf("ls shows %d entries, want %d", len(ents), len(as))
	}
	for _, e := range ents { // what ls -l does inside its readdir loop
		fi, err := os.Lstat(m.path("assets", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		a, ok := want[e.Name()]
		// The size is size_bytes, or the real size where size_bytes is null.
		if !ok || fi.Size() != m.emu.AssetFileSize(a.ID) || !fi.ModTime().Equal(a.UploadedAt) || fi.Mode() != 0o644 {
			t.Fatalf("%s: size %d mtime %v mode %v; want the asset's %d %v 0644", e.Name(), fi.Size(), fi.ModTime(), fi.Mode(), m.emu.AssetFileSize(a.ID), a.UploadedAt)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Ino != node.AssetIno(a.ID) || st.Uid != 1234 {
			t.Fatalf("%s: ino %d uid %d; want %d and 1234", e.Name(), st.Ino, st.Uid, node.AssetIno(a.ID))
		}
	}
	// Not a timing assertion: only that the prepared path is the one taken
	// at all (how many entries were ready in time depends on the machine).
	t.Logf("%d of %d READDIRPLUS lookups were answered by a prepared entry", m.root.assets.PreparedLookups(), len(ents))
}
