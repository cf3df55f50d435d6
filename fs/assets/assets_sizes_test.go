package assets

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// heldFetcher answers each size probe once the test lets one more
// through, recording the order in which the probes asked.
type heldFetcher struct {
	mu    sync.Mutex
	asked []string
	pass  chan struct{}
}

func (f *heldFetcher) Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error) {
	f.mu.Lock()
	f.asked = append(f.asked, url)
	f.mu.Unlock()
	select {
	case <-f.pass:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &api.Download{Body: io.NopCloser(strings.NewReader("x")), Length: 1, Size: 100}, nil
}

func (f *heldFetcher) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.asked)
}

// The sizes a listing's pages lack are probed while the pages arrive, and
// those waiting for a free probe run in the order of the names the assets
// want, not of the pages (newest first): the kernel reads the entries by
// name, so the probes still running when the listing is in are those of
// the entries it reaches last, and ls waits for none.
func TestSizeProbesWaitingToRunGoInTheOrderOfTheNamesNotOfThePages(t *testing.T) {
	f := &heldFetcher{pass: make(chan struct{})}
	d := newListingTree(t, f)
	page := func(descs ...string) []api.Asset {
		var as []api.Asset
		for _, s := range descs {
			a := testAsset("id-"+s, s, 1)
			a.ImageURL = "http://files.test/" + s
			as = append(as, a)
		}
		return as
	}
	defer d.wantSizes()() // an open of assets/ waits for this listing

	var first []string // a first page that keeps every probe busy
	for i := range sizeProbes {
		first = append(first, fmt.Sprintf("busy-%02d.png", i))
	}
	d.pageSizes(page(first...))
	deadline := time.Now().Add(10 * time.Second)
	for f.count() < sizeProbes {
		if time.Now().After(deadline) {
			t.Fatalf("%d probes started, want %d", f.count(), sizeProbes)
		}
		time.Sleep(time.Millisecond)
	}
	d.pageSizes(page("zebra.png", "mango.png"))  // newer
	d.pageSizes(page("kiwi.png", "album/b.png")) // older; b.png wants a folder
	d.pageSizes(page("apple.png"))               // oldest
	// Let one probe end at a time: each frees a worker for the next queued.
	for n := sizeProbes + 1; n <= sizeProbes+5; n++ {
		f.pass <- struct{}{}
		for f.count() < n {
			if time.Now().After(deadline) {
				t.Fatalf("after %d probes ended, %d started", n-sizeProbes, f.count())
			}
			time.Sleep(time.Millisecond)
		}
	}
	f.mu.Lock()
	got := strings.Join(f.asked[sizeProbes:], " ")
	f.mu.Unlock()
	want := "http://files.test/apple.png http://files.test/kiwi.png http://files.test/mango.png http://files.test/zebra.png http://files.test/album/b.png"
	if got != want {
		t.Errorf("queued probes ran in the order\n%s\nwant (by wanted name, folders last)\n%s", got, want)
	}
	close(f.pass)
}
