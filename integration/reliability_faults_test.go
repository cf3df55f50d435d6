//go:build linux

package integration

// A flaky API and file host (docs/reliability.md, "Faults"): 20% of API
// answers are 500/503/429 and 20% of downloads are cut mid-body, and still
// every read gives the asset's exact bytes and every listing is complete.

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/fs/view"
)

func TestReadingAndListingUnderFaultsGivesExactBytesAndCompleteListings(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	// 2100 seeded assets besides ours: listings take three pages, paged with
	// Krea's plain millisecond cursor (seeded assets share milliseconds).
	emu := startEmulator(t, emulator.Options{RandSeed: 7, SeedAssets: 2100})
	const nAssets = 100
	want := map[string][]byte{} // asset id -> bytes
	for i := 0; i < nAssets; i++ {
		var data []byte
		if i%5 == 0 { // larger ones, so cuts happen mid-body and resume
			data = makeWAV(uint64(300+i), 256<<10+i*17<<10)
		} else {
			data = makePNG(uint64(300+i), 24+i%7, 24)
		}
		desc := fmt.Sprintf("flaky-%03d", i)
		if i%10 == 3 {
			desc = "same name" // duplicates must stay complete too
		}
		a := emu.add(data, desc)
		want[a.ID] = data
	}
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	emu.SetFaultRate(0.2)
	emu.SetCutRate(0.2)

	// Listings: every name, once, as the naming rules give them; five
	// times, a fresh listing (TTL 1s) each time.
	wantNames := view.AssetNames(emu.Assets())
	slices.Sort(wantNames)
	var wantIDs []string
	for id := range want {
		wantIDs = append(wantIDs, id)
	}
	slices.Sort(wantIDs)
	var allIDs []string
	for _, a := range emu.Assets() {
		allIDs = append(allIDs, a.ID)
	}
	slices.Sort(allIDs)
	apiBefore := emu.Requests("/assets")
	for round := 0; round < 5; round++ {
		if round > 0 {
			time.Sleep(1100 * time.Millisecond) // the listing expires
		}
		got := listNames(t, m.Path("assets"))
		slices.Sort(got)
		if !slices.Equal(got, wantNames) {
			t.Errorf("round %d: ls assets/ under faults differs from the account:\n got %d names %q\nwant %d names %q",
				round, len(got), trunc(fmt.Sprint(got)), len(wantNames), trunc(fmt.Sprint(wantNames)))
		}
		ids := listNames(t, m.Path("assets", ".by-id"))
		slices.Sort(ids)
		if !slices.Equal(ids, allIDs) {
			t.Errorf("round %d: ls assets/.by-id/ under faults: %d ids, want %d (missing or doubled entries)",
				round, len(ids), len(allIDs))
		}
	}

	// Reads: every asset by id, from 8 readers at once.
	filesBefore := emu.Requests(filesPath(emu))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
	)
	jobs := make(chan string)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				got, err := os.ReadFile(m.Path("assets", ".by-id", id))
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, fmt.Sprintf("read %s: %v", id, err))
				case !bytes.Equal(got, want[id]):
					errs = append(errs, fmt.Sprintf("read %s: %d bytes, not the asset's %d", id, len(got), len(want[id])))
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range wantIDs {
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	// By name: each name gives the bytes of the asset behind its inode.
	idOfIno := map[uint64]string{}
	for _, id := range wantIDs {
		idOfIno[inode(t, m.Path("assets", ".by-id", id))] = id
	}
	named := 0
	for _, n := range wantNames {
		id, ours := idOfIno[inode(t, m.Path("assets", n))]
		if !ours {
			continue // a seeded asset
		}
		named++
		got, err := os.ReadFile(m.Path("assets", n))
		if err != nil || !bytes.Equal(got, want[id]) {
			t.Errorf("read %s (asset %q): %v, or other bytes", n, id, err)
		}
	}
	if named != nAssets {
		t.Errorf("%d of our %d assets have a name in assets/", named, nAssets)
	}
	t.Logf("under 20%% API faults and 20%% cut downloads: %d API requests for listings, %d file-host requests for %d assets",
		emu.Requests("/assets")-apiBefore, emu.Requests(filesPath(emu))-filesBefore, nAssets)
	emu.SetFaultRate(0)
	emu.SetCutRate(0)
}
