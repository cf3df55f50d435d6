package fs

import (
	"context"
	"os"
	"os/exec"
	"sync/atomic"
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
	checkSizes(t, m)
}

// A cold ls -l learns the sizes a page of the listing lacks while the next
// pages are fetched, not after the last one, and learns each size once:
// the kernel's lookup of an entry waits for the probe already running
// instead of asking the file host again.
func TestColdLsLLearnsMissingSizesWhileThePagesArrive(t *testing.T) {
	const n, pageLatency = 1100, 300 * time.Millisecond // pages of 1000: two
	var atEnd atomic.Int64                              // file-host requests when the listing was in
	var emu *emulator.Server
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: n}, remote: func(c *api.Client) Remote {
		return listingDone{Client: c, done: func() { atEnd.CompareAndSwap(0, int64(emu.Requests("/files"))+1) }}
	}})
	emu = m.emu
	var sizeless, firstPage int
	for i, a := range m.emu.Assets() { // newest first, as the pages
		if a.Size() < 0 {
			sizeless++
			if i < 1000 {
				firstPage++
			}
		}
	}
	if firstPage == 0 {
		t.Fatal("the seeded account has no asset without size_bytes on its first page")
	}
	m.emu.SetLatency(pageLatency)
	before := m.emu.Requests("/files")
	run(t, "ls", "-l", m.path("assets"))
	early := int(atEnd.Load()-1) - before
	t.Logf("%d of %d sizes asked for before the last page was in (%d on the first page)", early, sizeless, firstPage)
	if 2*early < firstPage { // all of them, but for a very slow machine
		t.Errorf("%d file-host requests before the listing ended; want the %d sizes the first page lacks asked for meanwhile", early, firstPage)
	}
	if got := m.emu.Requests("/files") - before; got != sizeless {
		t.Errorf("ls -l made %d file-host requests; want one per asset without size_bytes (%d)", got, sizeless)
	}
}

// A lookup of one name lists the account but probes no size: only an open
// of assets/ (whose listing the kernel reads with every size) does.
func TestLookupOfOneAssetProbesNoOtherSizes(t *testing.T) {
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: 200}})
	names := m.names()
	var sized api.Asset
	for _, a := range m.emu.Assets() {
		if a.Size() >= 0 {
			sized = a
			break
		}
	}
	if _, err := os.Stat(m.path("assets", names[sized.ID])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // a probe started in the background would show by now
	if got := m.emu.Requests("/files"); got != 0 {
		t.Errorf("stat of one asset with size_bytes made %d file-host requests; want none", got)
	}
}

// listingDone is the API, calling done when a whole listing is in.
type listingDone struct {
	*api.Client
	done func()
}

func (l listingDone) AllAssets(ctx context.Context) ([]api.Asset, error) {
	as, err := l.Client.AllAssets(ctx)
	l.done()
	return as, err
}

// An ls -l that opens assets/ while a listing started by a lookup is on
// its way learns the sizes of the pages already in at once, and of the
// later ones as they come, as if it had started the listing itself.
func TestLsLJoiningAListingALookupStartedLearnsTheSizesOfItsEarlierPages(t *testing.T) {
	const n, pageLatency = 1100, 500 * time.Millisecond // pages of 1000: two
	var atEnd atomic.Int64
	var emu *emulator.Server
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: n}, remote: func(c *api.Client) Remote {
		return listingDone{Client: c, done: func() { atEnd.CompareAndSwap(0, int64(emu.Requests("/files"))+1) }}
	}})
	emu = m.emu
	firstPage := 0
	for i, a := range m.emu.Assets() {
		if a.Size() < 0 && i < 1000 {
			firstPage++
		}
	}
	m.emu.SetLatency(pageLatency)
	before := m.emu.Requests("/files")
	stat := make(chan error, 1)
	go func() { _, err := os.Stat(m.path("assets", "no such asset.png")); stat <- err }() // lists the account
	time.Sleep(pageLatency + pageLatency/2)                                               // the first page is in, the second on its way
	run(t, "ls", "-l", m.path("assets"))
	<-stat
	early := int(atEnd.Load()-1) - before
	t.Logf("%d sizes asked for before the listing ended (%d on the first page)", early, firstPage)
	if 2*early < firstPage {
		t.Errorf("%d file-host requests before the listing ended; want the %d sizes the first page lacks asked for once ls opened assets/", early, firstPage)
	}
}

// An entry whose size is still being learned when the open of assets/
// prepares its READDIRPLUS answers is prepared once the size is in, so
// the kernel's read makes none of them on ls's path.
func TestEntriesWhoseSizesComeAfterTheOpenArePreparedAheadToo(t *testing.T) {
	const n, latency = 40, 200 * time.Millisecond
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: n}, remote: func(c *api.Client) Remote { return noSizes{c} }})
	m.emu.SetFilesLatency(latency)
	before, prepared := m.emu.Requests("/files"), m.root.assets.PreparedLookups()
	dir, err := os.Open(m.path("assets")) // the open: the listing, the probes, the preparing
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	deadline := time.Now().Add(20 * time.Second)
	for m.emu.Requests("/files")-before < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sizes asked for after 20 s", m.emu.Requests("/files")-before, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(latency + 500*time.Millisecond) // their answers
	ents, err := dir.ReadDir(-1)
	if err != nil {
		t.Fatal(err)
	}
	checkSizes(t, m)
	if got := m.root.assets.PreparedLookups() - prepared; len(ents) != n || got != n {
		t.Errorf("%d entries, %d of them answered by a prepared entry; want all %d", len(ents), got, n)
	}
}

// checkSizes: every asset of the account shows its file's size in assets/.
func checkSizes(t *testing.T, m *testMount) {
	t.Helper()
	names := m.names()
	for _, a := range m.emu.Assets() {
		fi, err := os.Lstat(m.path("assets", names[a.ID]))
		if err != nil {
			t.Fatal(err)
		}
		if want := m.emu.AssetFileSize(a.ID); fi.Size() != want {
			t.Errorf("%s: size %d, want %d", names[a.ID], fi.Size(), want)
		}
	}
}
