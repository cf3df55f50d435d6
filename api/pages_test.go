package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// assetListServer serves n assets newest first, paging by cursor = the
// uploaded_at of the last item returned (like the emulator and Krea).
func assetListServer(t *testing.T, n int, limits *[]string) *httptest.Server {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		*limits = append(*limits, q.Get("limit"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		start := n - 1 // index of the newest
		if c := q.Get("cursor"); c != "" {
			ct, err := time.Parse(time.RFC3339, c)
			if err != nil {
				writeJSON(w, 400, map[string]string{"error": "bad cursor"})
				return
			}
			start = int(ct.Sub(base)/time.Second) - 1
		}
		var items []string
		last := ""
		for i := start; i >= 0 && len(items) < limit; i-- {
			ts := base.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
			items = append(items, fmt.Sprintf(`{"id":"a%d","image_url":"https://f/a%d","uploaded_at":%q,"width":null,"height":null,"size_bytes":%d,"mime_type":"image/png"}`, i, i, ts, i))
			last = ts
		}
		next := "null"
		if start-len(items) >= 0 {
			next = strconv.Quote(last)
		}
		fmt.Fprintf(w, `{"items":[%s],"next_cursor":%s}`, strings.Join(items, ","), next)
	}))
}

func TestAllAssetsFollowsCursor(t *testing.T) {
	var limits []string
	srv := assetListServer(t, 2500, &limits)
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	all, err := h.AllAssets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2500 || all[0].ID != "a2499" || all[2499].ID != "a0" {
		t.Fatalf("got %d assets", len(all))
	}
	seen := map[string]bool{}
	for _, a := range all {
		if seen[a.ID] {
			t.Fatalf("%s twice", a.ID)
		}
		seen[a.ID] = true
	}
	if strings.Join(limits, ",") != "1000,1000,1000" {
		t.Errorf("page requests with limits %v", limits)
	}
	p, err := h.ListAssets(context.Background(), 3, "")
	if err != nil || len(p.Items) != 3 || p.NextCursor != "2025-01-01T00:41:37Z" {
		t.Errorf("ListAssets: %+v, %v", p, err)
	}
}

func TestAllJobsRepeatedCursorStops(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if r.URL.Query().Get("status") != "completed" || r.URL.Query().Get("limit") != "1000" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		fmt.Fprintf(w, `{"items":[{"job_id":"j%d","status":"completed","created_at":"2025-01-01T00:00:00Z"}],"nextCursor":"same"}`, n)
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	_, err := h.AllJobs(context.Background(), JobListOptions{Status: "completed", Cursor: "ignored"})
	if err == nil || !strings.Contains(err.Error(), "repeated cursor") || hits.Load() != 2 {
		t.Errorf("err %v after %d pages", err, hits.Load())
	}
}

func TestTolerantDecoding(t *testing.T) {
	body := `{"items":[
		{"id":"n","image_url":"u","uploaded_at":"2025-02-03T04:05:06.789Z","width":null,"height":null,"size_bytes":null,"mime_type":null,"new_field":[1,2]},
		{"id":"pg","image_url":"u","uploaded_at":"2025-02-03 04:05:06.5+00","width":"640","height":480.0,"size_bytes":"12","mime_type":"image/jpeg"},
		{"id":"unix","image_url":"u","uploaded_at":1738555506,"width":1,"height":1,"size_bytes":-5,"mime_type":"image/png"},
		{"id":"badtime","image_url":"u","uploaded_at":"yesterday","width":1,"height":1,"size_bytes":1e300,"mime_type":"image/png"},
		42,
		{"id":["not","a","string"]},
		{"id":"last","image_url":"u","uploaded_at":"2025-02-03T04:05:06Z","width":1,"height":1,"size_bytes":3,"mime_type":"image/png","description":"d","metadata":{"k":"v"}}
	],"nextCursor":"next-one","extra":true}`
	h := newHarness(t, "http://127.0.0.1:1", nil)
	items, next, err := decodePage(h.log, "GET /assets", []byte(body), decodeAsset)
	if err != nil {
		t.Fatal(err)
	}
	if next != "next-one" {
		t.Errorf("cursor %q", next)
	}
	var ids []string
	for _, a := range items {
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, ",") != "n,pg,unix,badtime,last" {
		t.Fatalf("decoded %v", ids)
	}
	n, pg, unix, bad, last := items[0], items[1], items[2], items[3], items[4]
	if n.Width != nil || n.Size() != -1 || n.MIME() != "" || n.UploadedAt.Nanosecond() != 789e6 {
		t.Errorf("nulls: %+v", n)
	}
	if *pg.Width != 640 || *pg.Height != 480 || pg.Size() != 12 ||
		!pg.UploadedAt.Equal(time.Date(2025, 2, 3, 4, 5, 6, 5e8, time.UTC)) {
		t.Errorf("lenient: %+v, %v", pg, pg.UploadedAt)
	}
	if !unix.UploadedAt.Equal(time.Unix(1738555506, 0)) || unix.Size() != -1 {
		t.Errorf("unix time / negative size: %v %d", unix.UploadedAt, unix.Size())
	}
	if !bad.UploadedAt.IsZero() || bad.Size() != -1 {
		t.Errorf("bad time / absurd size: %v %d", bad.UploadedAt, bad.Size())
	}
	if last.Description != "d" || string(last.Metadata) != `{"k":"v"}` {
		t.Errorf("last: %+v", last)
	}
	logs := h.logs.String()
	if strings.Count(logs, "skipping an item") != 2 {
		t.Errorf("want two skip warnings:\n%s", logs)
	}
	if _, _, err := decodePage(h.log, "GET /assets", []byte(`[1,2]`), decodeAsset); err == nil {
		t.Error("a non-object page decoded")
	}
	if _, _, err := decodePage(h.log, "GET /assets", []byte(`{"items":[`), decodeAsset); err == nil {
		t.Error("a truncated page decoded")
	}
}

func TestJobAndStyleKeepRaw(t *testing.T) {
	const job = `{"job_id":"j1","status":"completed","created_at":"2025-01-01T00:00:00Z","completed_at":"2025-01-01T00:01:00Z","result":{"urls":["https://f/1.png"],"style_id":"s"},"type":"flux","extra":{"a":[1]}}`
	const oddResult = `{"job_id":"j2","status":"failed","created_at":"2025-01-01T00:00:00Z","completed_at":null,"result":"out of memory"}`
	const style = `{"id":"s1","title":null,"urls":["https://f/p.png"],"public":false,"cover_url":null,"prompt":"p","models":["flux_dev"],"owner":{"id":"u","name":"N","avatar_url":null},"like_count":null,"created_at":"2025","extra":1}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/jobs":
			io.WriteString(w, `{"items":[`+job+`,`+oddResult+`],"next_cursor":null}`)
		case "/jobs/j1":
			io.WriteString(w, " "+job+"\n")
		case "/styles":
			io.WriteString(w, `{"items":[`+style+`],"next_cursor":null}`)
		case "/styles/s1":
			io.WriteString(w, style)
		}
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	ctx := context.Background()
	jobs, err := h.AllJobs(ctx, JobListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || string(jobs[0].Raw) != job || string(jobs[1].Raw) != oddResult {
		t.Fatalf("jobs %+v", jobs)
	}
	j := jobs[0]
	if !j.Finished() || j.Result == nil || j.Result.StyleID != "s" || len(j.Result.URLs) != 1 || j.CompletedAt == nil {
		t.Errorf("job %+v", j)
	}
	if jobs[1].Result != nil || jobs[1].Status != StatusFailed {
		t.Errorf("odd result job %+v", jobs[1])
	}
	g, err := h.GetJob(ctx, "j1")
	if err != nil || string(g.Raw) != job {
		t.Errorf("GetJob raw %q, %v", g.Raw, err)
	}
	styles, err := h.AllStyles(ctx, StyleListOptions{Filter: "user"})
	if err != nil || len(styles) != 1 || string(styles[0].Raw) != style {
		t.Fatalf("styles %+v, %v", styles, err)
	}
	s := styles[0]
	if s.Title != nil || s.Owner == nil || s.Owner.Name != "N" || s.LikeCount != 0 || s.Models[0] != "flux_dev" {
		t.Errorf("style %+v", s)
	}
	gs, err := h.GetStyle(ctx, "s1")
	if err != nil || string(gs.Raw) != style {
		t.Errorf("GetStyle raw %q, %v", gs.Raw, err)
	}
}

// Decoders never panic and keep their promises on any input.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"items":[{"id":"a","uploaded_at":"2025-01-01 00:00:00+00","size_bytes":"12"}],"nextCursor":5}`))
	f.Add([]byte(`{"items":[{"job_id":"j","created_at":1738555506000,"result":"x"}],"next_cursor":null}`))
	f.Add([]byte(`{"items":[42,null,{"id":["x"]}]}`))
	log := newDiscardLogger()
	f.Fuzz(func(t *testing.T, data []byte) {
		if as, _, err := decodePage(log, "GET /assets", data, decodeAsset); err == nil {
			for _, a := range as {
				if s := a.Size(); s < -1 {
					t.Fatalf("Size %d", s)
				}
			}
		}
		if js, _, err := decodePage(log, "GET /jobs", data, decodeJob); err == nil {
			for _, j := range js {
				if !json.Valid(j.Raw) {
					t.Fatalf("Raw %q is not JSON", j.Raw)
				}
			}
		}
		_, _, _ = decodePage(log, "GET /styles", data, decodeStyle)
	})
}

func FuzzParseContentRange(f *testing.F) {
	f.Add("bytes 0-99/1000")
	f.Add("bytes 5-5/*")
	f.Fuzz(func(t *testing.T, v string) {
		first, last, size, ok := parseContentRange(v)
		if ok && (first < 0 || last < first || (size != -1 && size <= last)) {
			t.Fatalf("%q: %d-%d/%d accepted", v, first, last, size)
		}
	})
}
