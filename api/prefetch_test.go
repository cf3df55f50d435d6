package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kreafs/kreafs/api/internal/pages"
)

// pagedServer serves n assets in pages of per, the cursor being the index
// of the next item. With misleading, next_cursor comes before the items and
// every item carries a nested "next_cursor":"bogus" (a wrong guess).
func pagedServer(t *testing.T, n, per int, misleading bool, fail map[string]int, requests *atomic.Int32, bogus *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		cur := r.URL.Query().Get("cursor")
		if cur == "bogus" {
			bogus.Add(1)
			writeJSON(w, 400, map[string]string{"error": "malformed cursor"})
			return
		}
		if status, ok := fail[cur]; ok {
			writeJSON(w, status, map[string]string{"error": "no"})
			return
		}
		start := 0
		fmt.Sscanf(cur, "%d", &start)
		var items []string
		for i := start; i < n && i < start+per; i++ {
			meta := ""
			if misleading {
				meta = `,"metadata":{"next_cursor":"bogus"}`
			}
			items = append(items, fmt.Sprintf(`{"id":"a%d","uploaded_at":"2025-01-01T00:00:00Z"%s}`, i, meta))
		}
		next := "null"
		if start+per < n {
			next = fmt.Sprintf(`"%d"`, start+per)
		}
		if misleading {
			fmt.Fprintf(w, `{"next_cursor":%s,"items":[%s]}`, next, strings.Join(items, ","))
		} else {
			fmt.Fprintf(w, `{"items":[%s],"next_cursor":%s}`, strings.Join(items, ","), next)
		}
	}))
}

func TestAllAssetsPrefetchGivesTheSameListing(t *testing.T) {
	for _, misleading := range []bool{false, true} {
		t.Run(fmt.Sprintf("misleading=%v", misleading), func(t *testing.T) {
			var requests, bogus atomic.Int32
			srv := pagedServer(t, 2500, 1000, misleading, nil, &requests, &bogus)
			defer srv.Close()
			h := newHarness(t, srv.URL, nil)
			// A wrong guess is cancelled as soon as the page is decoded,
			// sometimes before its request leaves: list again (each
			// listing must be right) until one has reached the server.
			for try := 0; try < 20; try++ {
				all, err := h.AllAssets(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != 2500 || all[0].ID != "a0" || all[2499].ID != "a2499" {
					t.Fatalf("got %d assets", len(all))
				}
				if !misleading || bogus.Load() > 0 {
					break
				}
			}
			switch {
			case !misleading && (requests.Load() != 3 || bogus.Load() != 0):
				t.Errorf("%d requests (%d with a wrong guess), want exactly the 3 pages", requests.Load(), bogus.Load())
			case misleading && bogus.Load() == 0:
				t.Errorf("no request with the misleading guess in 20 listings: the test does not exercise a wrong guess")
			}
		})
	}
}

func TestAllAssetsFailsWhenAPageFails(t *testing.T) {
	var requests, bogus atomic.Int32
	srv := pagedServer(t, 2500, 1000, false, map[string]int{"1000": 404}, &requests, &bogus)
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	if all, err := h.AllAssets(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Errorf("AllAssets = %d assets, %v; want the page's 404", len(all), err)
	}
}

func TestAllAssetsRepeatedCursorStops(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		fmt.Fprintf(w, `{"items":[{"id":"a%d"}],"next_cursor":"same"}`, n)
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	if _, err := h.AllAssets(context.Background()); err == nil || !strings.Contains(err.Error(), "repeated cursor") {
		t.Errorf("err %v", err)
	}
}

func TestCollectAheadKeepsOrderAndDropsIDsSeenOnEarlierPages(t *testing.T) {
	byCursor := map[string]string{
		"":   `{"items":[{"id":"a"},{"id":"b"}],"next_cursor":"p2"}`,
		"p2": `{"items":[{"id":"b"},{"id":"c"},{"id":"a"}],"next_cursor":"p3"}`,
		"p3": `{"items":[{"id":"d"}],"next_cursor":null}`,
	}
	log := newDiscardLogger()
	got, err := pages.CollectAhead(context.Background(), &pages.Config{Op: "GET /assets"},
		func(ctx context.Context, r pages.Req) ([]byte, error) { return []byte(byCursor[r.Cursor]), nil },
		func(data []byte) ([]Asset, string, error) { return decodeAssetPage(log, "GET /assets", data) },
		func(a *Asset) string { return a.ID })
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, ",") != "a,b,c,d" {
		t.Errorf("ids %v, want a,b,c,d", ids)
	}
	if empty, err := pages.CollectAhead(context.Background(), &pages.Config{Op: "GET /assets"},
		func(ctx context.Context, r pages.Req) ([]byte, error) { return []byte(`{"items":[]}`), nil },
		func(data []byte) ([]Asset, string, error) { return decodeAssetPage(log, "GET /assets", data) },
		func(a *Asset) string { return a.ID }); err != nil || empty != nil {
		t.Errorf("an empty listing: %v, %v; want nil, nil", empty, err)
	}
}
