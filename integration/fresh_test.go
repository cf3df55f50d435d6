//go:build linux

package integration

// Freshness (docs/semantics.md, "Freshness"): changes made through the API
// show in the mount within --dir-cache-ttl, and a lookup of a name the last
// listing did not have asks the API again before saying ENOENT.

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestAssetsAddedOrDeletedElsewhereShowWithinTheTTL(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	old := emu.add(makePNG(1, 2, 2), "old.png")
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	ls := func() []string { return strings.Fields(run(t, "ls", "-1", m.Path("assets"))) }
	if got := ls(); !slices.Equal(got, []string{"old.png"}) {
		t.Fatalf("ls assets: %q, want [old.png]", got)
	}

	// TTL 1 s, plus slack for a listing in flight.
	const within = 3 * time.Second
	added := time.Now()
	fresh := makePNG(2, 2, 2)
	emu.add(fresh, "fresh.png")
	if err := eventually(within, func() error {
		if got := ls(); !slices.Contains(got, "fresh.png") {
			return fmt.Errorf("ls shows %q", got)
		}
		return nil
	}); err != nil {
		t.Errorf("an asset added through the API is not listed %v later: %v", within, err)
	} else {
		t.Logf("fresh.png listed %v after it was added", time.Since(added).Round(time.Millisecond))
		if got, err := os.ReadFile(m.Path("assets", "fresh.png")); err != nil || !bytes.Equal(got, fresh) {
			t.Errorf("reading the new asset: %v (or other bytes)", err)
		}
	}

	if !emu.RemoveAsset(old.ID) {
		t.Fatalf("RemoveAsset(%s) found nothing", old.ID)
	}
	if err := eventually(within, func() error {
		if got := ls(); slices.Contains(got, "old.png") {
			return fmt.Errorf("ls still shows %q", got)
		}
		if _, err := os.Stat(m.Path("assets", "old.png")); !os.IsNotExist(err) {
			return fmt.Errorf("stat old.png: %v, want ENOENT", err)
		}
		return nil
	}); err != nil {
		t.Errorf("an asset deleted through the API still shows %v later: %v", within, err)
	}
}

func TestLookupOfANameNotInTheLastListingRechecks(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(1, 2, 2), "listed.png")
	// A TTL far longer than the test: only a lookup re-check can find the
	// new names.
	m := mount(t, emu, "--dir-cache-ttl", "1h")
	run(t, "ls", "-l", m.Path("assets"))

	// A name nobody looked up before, uploaded after the listing: found at
	// once (without the re-check it would take the TTL, an hour).
	emu.add(makePNG(2, 2, 2), "brand-new.png")
	run(t, "stat", m.Path("assets", "brand-new.png"))

	// A name that was ENOENT a moment ago: found at once after its upload
	// (ENOENT answers are not cached by the kernel).
	if _, err := os.Stat(m.Path("assets", "later.png")); !os.IsNotExist(err) {
		t.Fatalf("stat later.png before its upload: %v, want ENOENT", err)
	}
	emu.add(makePNG(3, 2, 2), "later.png")
	run(t, "stat", m.Path("assets", "later.png"))

	// .by-id asks the API for an id it does not know: found at once.
	data := makePNG(4, 2, 2)
	a := emu.add(data, "by-id-only.png")
	if got, err := os.ReadFile(m.Path("assets", ".by-id", a.ID)); err != nil || !bytes.Equal(got, data) {
		t.Errorf("reading .by-id/<new id> right after the upload: %v (or other bytes)", err)
	}
}
