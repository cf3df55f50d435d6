package api_test

import (
	"context"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// AllAssets hands each page to the function of WithAssetPages as it
// arrives, in order: every asset it returns was seen, on a page seen
// before the listing ended.
func TestAllAssetsHandsOutEachPageAsItArrives(t *testing.T) {
	srv, err := emulator.Start(emulator.Options{Token: emuToken, SeedAssets: 250})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := api.New(api.Config{BaseURL: srv.URL(), Token: emuToken, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var pages []int
	var seen []string
	requests := map[int]int{} // page -> listing requests made when it was handed out
	ctx := api.WithAssetPages(context.Background(), func(page []api.Asset) {
		requests[len(pages)] = srv.Requests("/assets")
		pages = append(pages, len(page))
		for i := range page {
			seen = append(seen, page[i].ID)
		}
	})
	as, err := c.AllAssets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Pages overlap where assets share a timestamp (Krea's cursor): an
	// asset may be seen twice, and is listed once.
	var first []string
	dup := map[string]bool{}
	for _, id := range seen {
		if !dup[id] {
			dup[id] = true
			first = append(first, id)
		}
	}
	if len(pages) < 3 || len(first) != len(as) {
		t.Fatalf("pages seen %v (%d assets); want at least 3 pages, with the %d assets listed", pages, len(first), len(as))
	}
	for i, a := range as {
		if first[i] != a.ID {
			t.Fatalf("asset %d: seen %s, listed %s (order)", i, first[i], a.ID)
		}
	}
	if total := srv.Requests("/assets"); requests[0] >= total {
		t.Errorf("the first page was handed out after all %d listing requests; want while the next one was asked for", total)
	}
}
