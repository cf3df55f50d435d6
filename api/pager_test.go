package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// tieServer serves items newest first with Krea's plain cursor: the
// timestamp (milliseconds) of a page's last item, meaning "created before
// T", with no tie-breaker. runs[i] items share the i-th millisecond.
// Paths /assets, /jobs and /styles serve the same items in their shapes.
type tieServer struct {
	*httptest.Server
	ids        []string // newest first
	mu         sync.Mutex
	requests   []string // "limit cursor" of each request
	failOnce   map[string]int
	cursorName string
	strict     bool            // refuse cursors the server did not give out
	given      map[string]bool // cursors given out
}

func newTieServer(t *testing.T, runs []int, cursorName string) *tieServer {
	s := &tieServer{cursorName: cursorName, failOnce: map[string]int{}, given: map[string]bool{}}
	base := time.Date(2026, 2, 13, 2, 20, 58, 265e6, time.UTC)
	type item struct {
		id string
		at time.Time
	}
	var items []item
	n := 0
	for ms, run := range runs {
		for k := 0; k < run; k++ {
			items = append(items, item{fmt.Sprintf("i%05d", n), base.Add(-time.Duration(ms) * time.Millisecond)})
			n++
		}
	}
	for _, it := range items {
		s.ids = append(s.ids, it.id)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		s.mu.Lock()
		key := q.Get("limit") + " " + q.Get("cursor")
		s.requests = append(s.requests, key)
		status := s.failOnce[key]
		delete(s.failOnce, key)
		if c := q.Get("cursor"); s.strict && c != "" && !s.given[c] {
			status = 400
		}
		s.mu.Unlock()
		if status != 0 {
			writeJSON(w, status, map[string]string{"error": "injected"})
			return
		}
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit < 1 || limit > 1000 {
			limit = 100
		}
		start := 0
		if c := q.Get("cursor"); c != "" {
			ct, err := time.Parse(time.RFC3339Nano, c)
			if err != nil {
				writeJSON(w, 400, map[string]string{"error": "bad cursor"})
				return
			}
			for start < len(items) && !items[start].at.Before(ct) {
				start++
			}
		}
		end := min(start+limit, len(items))
		var parts []string
		for _, it := range items[start:end] {
			ts := it.at.Format("2006-01-02T15:04:05.000Z07:00")
			switch r.URL.Path {
			case "/jobs":
				parts = append(parts, fmt.Sprintf(`{"job_id":%q,"status":"completed","created_at":%q}`, it.id, ts))
			case "/styles":
				parts = append(parts, fmt.Sprintf(`{"id":%q,"title":"s","created_at":%q}`, it.id, ts))
			default:
				parts = append(parts, fmt.Sprintf(`{"id":%q,"image_url":"https://f/%s","uploaded_at":%q,"width":1,"height":1,"size_bytes":1,"mime_type":"image/png"}`, it.id, it.id, ts))
			}
		}
		next := "null"
		if end < len(items) && end > start {
			c := items[end-1].at.Format("2006-01-02T15:04:05.000Z07:00")
			s.mu.Lock()
			s.given[c] = true
			s.mu.Unlock()
			next = strconv.Quote(c)
		}
		fmt.Fprintf(w, `{"items":[%s],%q:%s}`, strings.Join(parts, ","), s.cursorName, next)
	}))
	t.Cleanup(s.Close)
	return s
}

// runsUpTo7 returns runs of 1 to 7 items per millisecond, n items in all,
// in a fixed irregular pattern.
func runsUpTo7(n int) []int {
	var runs []int
	for i := 0; n > 0; i++ {
		r := min(1+(i*5+i/3)%7, n)
		runs = append(runs, r)
		n -= r
	}
	return runs
}

// checkOnce fails unless got lists exactly want, each once.
func checkOnce(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	missing, twice := 0, 0
	for _, id := range want {
		if seen[id] == 0 {
			missing++
		}
	}
	for _, n := range seen {
		if n > 1 {
			twice++
		}
	}
	if missing > 0 || twice > 0 || len(got) != len(want) {
		t.Fatalf("listed %d of %d items: %d missing, %d more than once", len(got), len(want), missing, twice)
	}
}

func TestListingsWithItemsSharingAMillisecondListEachItemOnce(t *testing.T) {
	runs := runsUpTo7(2500)
	for _, cursorName := range []string{"nextCursor", "next_cursor"} {
		for _, pageSize := range []int{100, 1000} {
			t.Run(fmt.Sprintf("%s/pages of %d", cursorName, pageSize), func(t *testing.T) {
				srv := newTieServer(t, runs, cursorName)
				h := newHarness(t, srv.URL, func(c *Config) { c.PageSize = pageSize })
				ctx := context.Background()
				assets, err := h.AllAssets(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, a := range assets {
					got = append(got, a.ID)
				}
				checkOnce(t, got, srv.ids)
				jobs, err := h.AllJobs(ctx, JobListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				got = got[:0]
				for _, j := range jobs {
					got = append(got, j.JobID)
				}
				checkOnce(t, got, srv.ids)
				styles, err := h.AllStyles(ctx, StyleListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				got = got[:0]
				for _, s := range styles {
					got = append(got, s.ID)
				}
				checkOnce(t, got, srv.ids)
				if strings.Contains(h.logs.String(), "share one timestamp") {
					t.Errorf("a warning about lost ties although every run fits on a page:\n%s", h.logs.String())
				}
				// Each page costs one request: the listing must not crawl
				// (at most one extra page per listing of 2,500).
				if want := 3 * (2500/pageSize + 2); len(srv.requests) > want {
					t.Errorf("%d requests for three listings, want at most %d", len(srv.requests), want)
				}
			})
		}
	}
}

func TestATieLargerThanAPageIsListedWithTheLargestPage(t *testing.T) {
	// 250 items share one millisecond, more than a page of 100.
	srv := newTieServer(t, []int{3, 250, 5, 2}, "nextCursor")
	h := newHarness(t, srv.URL, func(c *Config) { c.PageSize = 100 })
	assets, err := h.AllAssets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range assets {
		got = append(got, a.ID)
	}
	checkOnce(t, got, srv.ids)
	if !strings.Contains(strings.Join(srv.requests, ","), "1000 ") {
		t.Errorf("no page of 1000 asked for the tie: %v", srv.requests)
	}
	if strings.Contains(h.logs.String(), "share one timestamp") {
		t.Errorf("warned although the tie fit on a page of 1000")
	}
}

func TestATieLargerThanTheLargestPageEndsAndSaysWhatItCouldNotList(t *testing.T) {
	srv := newTieServer(t, []int{2, 1200, 4}, "nextCursor")
	h := newHarness(t, srv.URL, func(c *Config) { c.PageSize = 100 })
	assets, err := h.AllAssets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range assets {
		if seen[a.ID] {
			t.Fatalf("%s listed twice", a.ID)
		}
		seen[a.ID] = true
	}
	// The first 2 and the last 4 are listed, and 1000 of the tie (the
	// largest page); the rest of the tie cannot be reached.
	if !seen[srv.ids[0]] || !seen[srv.ids[1]] || !seen[srv.ids[len(srv.ids)-1]] || len(assets) < 1000 {
		t.Errorf("listed %d items", len(assets))
	}
	logs := h.logs.String()
	if n := strings.Count(logs, "share one timestamp"); n != 1 {
		t.Errorf("%d warnings about the tie, want one:\n%s", n, logs)
	}
	if !strings.Contains(logs, "2026-02-13T02:20:58.264Z") {
		t.Errorf("the warning does not name the timestamp:\n%s", logs)
	}
	if len(srv.requests) > 8 {
		t.Errorf("%d requests: %v", len(srv.requests), srv.requests)
	}
}

func TestAFailedPageIsFetchedAgainFromItsCursorNotFromTheFirstPage(t *testing.T) {
	runs := runsUpTo7(2500)
	srv := newTieServer(t, runs, "nextCursor")
	h := newHarness(t, srv.URL, func(c *Config) { c.PageSize = 1000; c.MaxRetries = -1 })
	// Learn the third page's request, then make it fail once.
	if _, err := h.AllAssets(context.Background()); err != nil {
		t.Fatal(err)
	}
	third := srv.requests[2]
	srv.mu.Lock()
	srv.requests = nil
	srv.failOnce[third] = 503
	srv.mu.Unlock()
	assets, err := h.AllAssets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range assets {
		got = append(got, a.ID)
	}
	checkOnce(t, got, srv.ids)
	firsts, thirds := 0, 0
	for _, r := range srv.requests {
		switch r {
		case "1000 ":
			firsts++
		case third:
			thirds++
		}
	}
	if firsts != 1 || thirds != 2 {
		t.Errorf("requests %v: first page %d times, failed page %d times; want 1 and 2", srv.requests, firsts, thirds)
	}
	if !strings.Contains(h.logs.String(), "fetching it again from its cursor") {
		t.Errorf("no log line for the page fetched again")
	}
}

func TestAServerThatRefusesDerivedCursorsIsFollowedWithItsOwn(t *testing.T) {
	// Unique timestamps: with the server's own cursors nothing is lost.
	runs := make([]int, 2500)
	for i := range runs {
		runs[i] = 1
	}
	for _, pageSize := range []int{100, 1000} {
		srv := newTieServer(t, runs, "nextCursor")
		srv.strict = true
		h := newHarness(t, srv.URL, func(c *Config) { c.PageSize = pageSize })
		assets, err := h.AllAssets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range assets {
			got = append(got, a.ID)
		}
		checkOnce(t, got, srv.ids)
		if n := strings.Count(h.logs.String(), "refused a cursor"); n != 1 {
			t.Errorf("pages of %d: %d warnings about the refused cursor, want 1", pageSize, n)
		}
		jobs, err := h.AllJobs(context.Background(), JobListOptions{})
		if err != nil || len(jobs) != 2500 {
			t.Errorf("pages of %d: AllJobs: %d jobs, %v", pageSize, len(jobs), err)
		}
	}
}
