package emulator_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// Pages as the emulator sends them by default (Krea's reference pages name
// the cursor nextCursor).
type assetPage struct {
	Items      []api.Asset `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

type jobPage struct {
	Items      []api.Job `json:"items"`
	NextCursor *string   `json:"nextCursor"`
}

type stylePage struct {
	Items      []api.Style `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

func TestRequestsWithoutTheTokenGet401(t *testing.T) {
	s := start(t, emulator.Options{Token: "sesame"})
	for _, token := range []string{"", "wrong", "sesame2"} {
		a := callToken(t, s, token, "GET", "/assets", nil, "")
		if a.status != http.StatusUnauthorized {
			t.Fatalf("token %q: status %d, want 401", token, a.status)
		}
		a.errorMessage(t)
	}
	if a := callToken(t, s, "sesame", "GET", "/assets", nil, ""); a.status != http.StatusOK {
		t.Fatalf("right token: status %d: %s", a.status, a.body)
	}
	if s.Token() != "sesame" {
		t.Errorf("Token() = %q", s.Token())
	}
}

func TestUploadThenDownloadWithRange(t *testing.T) {
	s := start(t, emulator.Options{})
	data := pngOf(t, 40, 30)
	// The file name lies: the type comes from the bytes.
	a := upload(t, s, data, "picture.txt", "holiday.png")
	if a.status != http.StatusOK {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	var asset api.Asset
	a.json(t, &asset)
	if asset.MIME() != "image/png" || asset.Size() != int64(len(data)) || asset.Description != "holiday.png" ||
		asset.Width == nil || *asset.Width != 40 || *asset.Height != 30 || !strings.HasSuffix(asset.ImageURL, ".png") {
		t.Fatalf("uploaded asset = %+v", asset)
	}
	if s.UploadCount() != 1 {
		t.Errorf("UploadCount = %d", s.UploadCount())
	}
	var got api.Asset
	if a := getJSON(t, s, "/assets/"+asset.ID, &got); a.status != 200 || got.ID != asset.ID {
		t.Fatalf("GET asset: %d %s", a.status, a.body)
	}

	whole := fetch(t, asset.ImageURL)
	if whole.status != 200 || !bytes.Equal(whole.body, data) {
		t.Fatalf("download: %d, %d bytes", whole.status, len(whole.body))
	}
	for h, want := range map[string]string{"Content-Type": "image/png", "Content-Length": fmt.Sprint(len(data)), "Accept-Ranges": "bytes"} {
		if got := whole.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	etag, lm := whole.header.Get("ETag"), whole.header.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("ETag %q, Last-Modified %q", etag, lm)
	}

	part := fetch(t, asset.ImageURL, "Range", "bytes=10-19")
	if part.status != http.StatusPartialContent || !bytes.Equal(part.body, data[10:20]) {
		t.Fatalf("range: %d %q, want 206 %q", part.status, part.body, data[10:20])
	}
	if cr := part.header.Get("Content-Range"); cr != fmt.Sprintf("bytes 10-19/%d", len(data)) {
		t.Errorf("Content-Range = %q", cr)
	}
	tail := fetch(t, asset.ImageURL, "Range", "bytes=-5")
	if tail.status != 206 || !bytes.Equal(tail.body, data[len(data)-5:]) {
		t.Errorf("suffix range: %d %q", tail.status, tail.body)
	}
	if a := fetch(t, asset.ImageURL, "Range", fmt.Sprintf("bytes=%d-", len(data)+10)); a.status != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("range past the end: %d, want 416", a.status)
	}
	if a := fetch(t, asset.ImageURL, "If-None-Match", etag); a.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", a.status)
	}
	if s.AuthLeaked() {
		t.Fatal("AuthLeaked after clean downloads")
	}
	fetch(t, asset.ImageURL, "Authorization", "Bearer "+s.Token())
	if !s.AuthLeaked() {
		t.Fatal("AuthLeaked false after a download with an Authorization header")
	}
}

func TestUploadOfATextFileIs400NamingTheType(t *testing.T) {
	s := start(t, emulator.Options{})
	a := upload(t, s, []byte("just some notes\nnot an image\n"), "notes.png", "")
	if a.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", a.status)
	}
	if msg := a.errorMessage(t); !contains(msg, "text/plain") {
		t.Errorf("error %q does not name the detected type", msg)
	}
	if n := len(s.Assets()); n != 0 || s.UploadCount() != 0 {
		t.Errorf("%d assets, %d uploads after a rejected upload", n, s.UploadCount())
	}
	// No file part at all.
	body, ctype := multipartBody(t, nil, "", "")
	body.Reset()
	mw := multipart.NewWriter(body)
	mw.WriteField("description", "lonely")
	mw.Close()
	if a := call(t, s, "POST", "/assets", body, mw.FormDataContentType()); a.status != 400 {
		t.Errorf("upload without file: %d", a.status)
	}
	_ = ctype
	if a := call(t, s, "POST", "/assets", strings.NewReader("{}"), "application/json"); a.status != 400 {
		t.Errorf("JSON upload: %d", a.status)
	}
}

// wavStream is a WAV of exactly size bytes, produced as it is read.
func wavStream(size int64) io.Reader {
	h := make([]byte, 0, 44)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(size-8))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1)
	h = binary.LittleEndian.AppendUint16(h, 1)
	h = binary.LittleEndian.AppendUint32(h, 44100)
	h = binary.LittleEndian.AppendUint32(h, 88200)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(size-44))
	return io.MultiReader(bytes.NewReader(h), io.LimitReader(zeros{}, size-44))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// streamUpload sends a multipart upload of r produced on the fly (an
// io.Pipe), so no test holds 75 MB in memory either.
func streamUpload(t *testing.T, s *emulator.Server, r io.Reader) answer {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "big.wav")
		if err == nil {
			_, err = io.Copy(fw, r)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return call(t, s, "POST", "/assets", pr, mw.FormDataContentType())
}

func TestUploadLimitIs75MBDecimal(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 150 MB through loopback")
	}
	s := start(t, emulator.Options{})
	over := streamUpload(t, s, wavStream(api.MaxUploadBytes+1))
	if over.status != http.StatusBadRequest {
		t.Fatalf("75 MB + 1 byte: status %d, want 400", over.status)
	}
	if msg := over.errorMessage(t); !contains(msg, "too large") {
		t.Errorf("error %q", msg)
	}
	at := streamUpload(t, s, wavStream(api.MaxUploadBytes))
	if at.status != http.StatusOK {
		t.Fatalf("exactly 75 MB: status %d %s", at.status, at.body)
	}
	var a api.Asset
	at.json(t, &a)
	if a.Size() != api.MaxUploadBytes || a.MIME() != "audio/wav" {
		t.Errorf("asset %+v", a)
	}
	if s.UploadCount() != 1 || len(s.Assets()) != 1 {
		t.Errorf("uploads %d, assets %d", s.UploadCount(), len(s.Assets()))
	}
}

func TestListParametersAreValidated(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 3, SeedJobs: 3, SeedStyles: 3})
	for _, list := range []string{"/assets", "/jobs", "/styles"} {
		for _, q := range []string{"limit=0", "limit=1001", "limit=-1", "limit=ten", "limit=", "cursor=yesterday", "cursor=2025-13-01T00:00:00Z"} {
			a := call(t, s, "GET", list+"?"+q, nil, "")
			if a.status != http.StatusBadRequest {
				t.Errorf("GET %s?%s: %d, want 400", list, q, a.status)
				continue
			}
			a.errorMessage(t)
		}
		for _, q := range []string{"limit=1", "limit=1000"} {
			if a := call(t, s, "GET", list+"?"+q, nil, ""); a.status != 200 {
				t.Errorf("GET %s?%s: %d", list, q, a.status)
			}
		}
	}
	for _, path := range []string{"/jobs?status=done", "/styles?filter=mine", "/styles?liked=perhaps"} {
		if a := call(t, s, "GET", path, nil, ""); a.status != 400 {
			t.Errorf("GET %s: %d, want 400", path, a.status)
		}
	}
}

func TestDefaultLimitIs100(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 150})
	var p assetPage
	getJSON(t, s, "/assets", &p)
	if len(p.Items) != 100 || p.NextCursor == nil {
		t.Fatalf("default page: %d items, next %v", len(p.Items), p.NextCursor)
	}
}

// pageAll follows nextCursor to the end, as a client would.
func pageAll(t *testing.T, s *emulator.Server, path string, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("pagination does not end")
		}
		q := fmt.Sprintf("%s?limit=%d", path, limit)
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var p assetPage
		if a := getJSON(t, s, q, &p); a.status != 200 {
			t.Fatalf("GET %s: %d %s", q, a.status, a.body)
		}
		if len(p.Items) > limit {
			t.Fatalf("page of %d with limit %d", len(p.Items), limit)
		}
		for _, a := range p.Items {
			ids = append(ids, a.ID)
		}
		if p.NextCursor == nil {
			return ids
		}
		cursor = *p.NextCursor
		if _, err := time.Parse(time.RFC3339Nano, cursor); err != nil {
			t.Fatalf("nextCursor %q is not an RFC 3339 timestamp: %v", cursor, err)
		}
	}
}

func TestTieBreakCursorPagesThroughTiedTimestamps(t *testing.T) {
	s := start(t, emulator.Options{TieBreakCursor: true})
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	var want []string
	// Insert oldest first: 3 at t0, 5 at t0+1s (a tie across page ends),
	// 1 at t0+2s, 4 more at t0.
	for i, d := range []time.Duration{0, 0, 0, time.Second, time.Second, time.Second, time.Second, time.Second, 2 * time.Second, 0, 0, 0, 0} {
		a, err := s.AddAssetAt(pngOf(t, 1+i, 1), fmt.Sprintf("tie-%d", i), t0.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, a.ID)
	}
	// The listing order: newest timestamp first, then last inserted first.
	var listed []string
	for _, a := range s.Assets() {
		listed = append(listed, a.ID)
	}
	if len(listed) != len(want) {
		t.Fatalf("%d assets", len(listed))
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		got := pageAll(t, s, "/assets", limit)
		if !slices.Equal(got, listed) {
			t.Errorf("limit %d: paged %v\nwant %v", limit, got, listed)
		}
	}
	var first assetPage
	getJSON(t, s, "/assets", &first)
	if first.NextCursor != nil || len(first.Items) != len(want) {
		t.Errorf("single page: nextCursor %v, %d items", first.NextCursor, len(first.Items))
	}
	for i := 1; i < len(first.Items); i++ {
		if first.Items[i].UploadedAt.After(first.Items[i-1].UploadedAt) {
			t.Fatalf("not newest first at %d", i)
		}
	}
}

// Krea's cursor is "older than T" with no tie-breaker: a client that just
// follows nextCursor through seeded assets (runs of 1 to 7 per millisecond)
// misses exactly the items that share the cursor's millisecond and did not
// fit on the page before, and never sees an item twice. With TieBreakCursor
// it sees every one.
func TestPlainCursorMissesTiedItemsAtPageEndsAndTieBreakDoesNot(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 300})
	all := s.AssetIDs()
	if len(all) != 300 {
		t.Fatalf("%d ids", len(all))
	}
	at := map[string]string{}
	for _, a := range s.Assets() {
		at[a.ID] = a.UploadedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	seen := map[string]bool{}
	cursors := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 300 {
			t.Fatal("pagination does not end")
		}
		q := "/assets?limit=10"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var p assetPage
		getJSON(t, s, q, &p)
		for _, a := range p.Items {
			if seen[a.ID] {
				t.Fatalf("%s listed twice", a.ID)
			}
			seen[a.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
		cursors[cursor] = true
	}
	missed := 0
	for _, id := range all {
		if !seen[id] {
			missed++
			if !cursors[at[id]] {
				t.Errorf("%s (uploaded %s) missed but no cursor was at its millisecond", id, at[id])
			}
		}
	}
	if missed == 0 {
		t.Fatal("no tied item was missed: the seeded data has no ties across page ends")
	}
	t.Logf("a naive client listed %d of %d", len(seen), len(all))

	tb := start(t, emulator.Options{SeedAssets: 300, TieBreakCursor: true})
	if got := pageAll(t, tb, "/assets", 10); !slices.Equal(got, tb.AssetIDs()) {
		t.Fatalf("with TieBreakCursor: listed %d, want all %d in order", len(got), len(tb.AssetIDs()))
	}
}

func TestAutomaticTimestampsAreStrictlyIncreasing(t *testing.T) {
	s := start(t, emulator.Options{})
	var last time.Time
	for i := range 50 {
		a, err := s.AddAsset(pngOf(t, 1, 1+i), "")
		if err != nil {
			t.Fatal(err)
		}
		if !a.UploadedAt.After(last) {
			t.Fatalf("uploaded_at %v not after %v", a.UploadedAt, last)
		}
		last = a.UploadedAt
	}
}

func TestUnknownIDsAre404(t *testing.T) {
	s := start(t, emulator.Options{SeedStyles: 3})
	for _, c := range []struct{ method, path string }{
		{"GET", "/assets/00000000-0000-4000-8000-000000000000"},
		{"DELETE", "/assets/00000000-0000-4000-8000-000000000000"},
		{"GET", "/assets/not-a-uuid"},
		{"GET", "/jobs/00000000-0000-4000-8000-000000000000"},
		{"DELETE", "/jobs/00000000-0000-4000-8000-000000000000"},
		{"GET", "/styles/00000000-0000-4000-8000-000000000000"},
		{"GET", "/nowhere"},
	} {
		a := call(t, s, c.method, c.path, nil, "")
		if a.status != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", c.method, c.path, a.status)
			continue
		}
		a.errorMessage(t)
	}
	if a := fetch(t, s.FilesURL()+"/a/nothing.png"); a.status != 404 {
		t.Errorf("unknown file: %d", a.status)
	}
}

func TestDeleteAssetRemovesItAndItsFile(t *testing.T) {
	s := start(t, emulator.Options{})
	a, err := s.AddAsset(pngOf(t, 3, 3), "gone.png")
	if err != nil {
		t.Fatal(err)
	}
	d := call(t, s, "DELETE", "/assets/"+a.ID, nil, "")
	var ok struct {
		Success bool   `json:"success"`
		Message string `json:"message"`
	}
	d.json(t, &ok)
	if d.status != 200 || !ok.Success {
		t.Fatalf("DELETE: %d %s", d.status, d.body)
	}
	if g := call(t, s, "GET", "/assets/"+a.ID, nil, ""); g.status != 404 {
		t.Errorf("GET after delete: %d", g.status)
	}
	if f := fetch(t, a.ImageURL); f.status != 404 {
		t.Errorf("file after delete: %d", f.status)
	}
	if s.RemoveAsset(a.ID) {
		t.Error("RemoveAsset of a deleted asset reports true")
	}
}

func TestGenerationJobLifecycle(t *testing.T) {
	clock := newClock()
	// JobDelete "delete": the end of this test removes the job.
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: 9 * time.Second, JobDelete: emulator.JobDeleteRemove})
	a := postJSON(t, s, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "a fox", "width": 600, "height": 520})
	if a.status != 200 {
		t.Fatalf("generate: %d %s", a.status, a.body)
	}
	var raw map[string]any
	a.json(t, &raw)
	if raw["status"] != "queued" || raw["completed_at"] != nil || raw["result"] != nil {
		t.Fatalf("new job = %v", raw)
	}
	if _, ok := raw["result"]; !ok {
		t.Fatal("result is missing, want null")
	}
	id, _ := raw["job_id"].(string)
	status := func() (api.Job, map[string]any) {
		var j api.Job
		var m map[string]any
		a := getJSON(t, s, "/jobs/"+id, &j)
		a.json(t, &m)
		return j, m
	}
	if j, m := status(); j.Status != "queued" || m["completed_at"] != nil || m["type"] != "flux-1-dev" || fmt.Sprint(m["result"]) != "map[]" {
		t.Fatalf("at once: %v", m)
	}
	if _, m := status(); !hasKey(m, "completed_at") {
		t.Fatalf("completed_at missing while running, want null: %v", m)
	}
	clock.Advance(4 * time.Second)
	if j, _ := status(); j.Status != "processing" {
		t.Fatalf("after 4s: %s", j.Status)
	}
	clock.Advance(5 * time.Second)
	j, _ := status()
	if j.Status != "completed" || j.CompletedAt == nil || j.Result == nil || len(j.Result.URLs) != 1 {
		t.Fatalf("after 9s: %+v", j)
	}
	if !j.CompletedAt.Equal(j.CreatedAt.Add(9 * time.Second)) {
		t.Errorf("completed_at %v, created_at %v", j.CompletedAt, j.CreatedAt)
	}
	res := fetch(t, j.Result.URLs[0])
	if res.status != 200 || res.header.Get("Content-Type") != "image/png" || !strings.HasSuffix(j.Result.URLs[0], ".png") {
		t.Fatalf("result: %d %s %s", res.status, res.header.Get("Content-Type"), j.Result.URLs[0])
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(res.body))
	if err != nil || format != "png" || cfg.Width != 600 || cfg.Height != 520 {
		t.Fatalf("result image: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
	// Jobs list shows it, filtered by status and type.
	for q, n := range map[string]int{"": 1, "?status=completed": 1, "?status=queued": 0, "?types=flux-1-dev": 1, "?types=kling-2.1,veo-3": 0} {
		var p jobPage
		getJSON(t, s, "/jobs"+q, &p)
		if len(p.Items) != n {
			t.Errorf("GET /jobs%s: %d items, want %d", q, len(p.Items), n)
		}
	}
	// With JobDelete "delete", DELETE removes the job and its result.
	if d := call(t, s, "DELETE", "/jobs/"+id, nil, ""); d.status != 200 {
		t.Fatalf("DELETE job: %d", d.status)
	}
	if g := call(t, s, "GET", "/jobs/"+id, nil, ""); g.status != 404 {
		t.Errorf("GET deleted job: %d", g.status)
	}
	if f := fetch(t, j.Result.URLs[0]); f.status != 404 {
		t.Errorf("result of deleted job: %d", f.status)
	}
}

func TestResultURLsAppearOnlyWhenDone(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: time.Minute})
	a := postJSON(t, s, "/generate/video/kling/kling-2.1", map[string]any{"prompt": "waves"})
	var j api.Job
	a.json(t, &j)
	before := s.Requests("/files")
	clock.Advance(time.Minute)
	getJSON(t, s, "/jobs/"+j.JobID, &j)
	if j.Status != "completed" || len(j.Result.URLs) != 1 || !strings.HasSuffix(j.Result.URLs[0], ".mp4") {
		t.Fatalf("video job: %+v", j)
	}
	res := fetch(t, j.Result.URLs[0])
	if m, ok := api.SniffMedia(res.body); res.status != 200 || !ok || m != "video/mp4" || res.header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("video result: %d %s %s", res.status, m, res.header.Get("Content-Type"))
	}
	if n := s.Requests("/files") - before; n != 1 {
		t.Errorf("Requests(/files) grew by %d, want 1", n)
	}
}

func TestEnhanceGivesAJPEGOfTheRequestedSize(t *testing.T) {
	s := start(t, emulator.Options{JobDuration: -1})
	a := postJSON(t, s, "/generate/enhance/topaz/standard-enhance", map[string]any{
		"image_url": "https://example.com/a.png", "width": 300, "height": 200, "model": "Standard V2"})
	var j api.Job
	a.json(t, &j)
	getJSON(t, s, "/jobs/"+j.JobID, &j)
	if j.Status != "completed" {
		t.Fatalf("instant job: %+v", j)
	}
	res := fetch(t, j.Result.URLs[0])
	cfg, format, err := image.DecodeConfig(bytes.NewReader(res.body))
	if err != nil || format != "jpeg" || cfg.Width != 300 || cfg.Height != 200 || res.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("enhance result: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
}

func TestGenerationBodiesAreValidated(t *testing.T) {
	s := start(t, emulator.Options{})
	for name, body := range map[string]string{
		"missing prompt":   `{"width": 1024}`,
		"unknown field":    `{"prompt": "x", "colour": "red"}`,
		"width too small":  `{"prompt": "x", "width": 10}`,
		"not JSON":         `prompt=x`,
		"empty":            ``,
		"array":            `[]`,
		"prompt too long?": `{"prompt": "` + strings.Repeat("x", 1801) + `"}`,
	} {
		a := call(t, s, "POST", "/generate/image/bfl/flux-1-dev", strings.NewReader(body), "application/json")
		if a.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, a.status)
			continue
		}
		a.errorMessage(t)
	}
	if n := len(s.Jobs()); n != 0 {
		t.Errorf("%d jobs after invalid requests", n)
	}
}

func TestFailedJobsCarryAnError(t *testing.T) {
	s := start(t, emulator.Options{JobDuration: -1, JobFailRate: 1})
	a := postJSON(t, s, "/generate/image/google/imagen-4", map[string]any{"prompt": "x"})
	var j api.Job
	a.json(t, &j)
	getJSON(t, s, "/jobs/"+j.JobID, &j)
	if j.Status != "failed" || j.Result == nil || j.Result.Error == "" || j.CompletedAt == nil {
		t.Fatalf("job = %+v", j)
	}
}

func TestRefuseOverLimitAnswers429PastTheConcurrentJobLimit(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, MaxConcurrentJobs: 2, JobDuration: time.Minute, RefuseOverLimit: true})
	for i := range 2 {
		if a := postJSON(t, s, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}); a.status != 200 {
			t.Fatalf("job %d: %d", i, a.status)
		}
	}
	a := postJSON(t, s, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"})
	if a.status != http.StatusTooManyRequests {
		t.Fatalf("third job: %d, want 429", a.status)
	}
	a.errorMessage(t)
	if a := postJSON(t, s, "/styles/train", map[string]any{"name": "n", "urls": []string{"https://e.com/a.png"}}); a.status != 429 {
		t.Errorf("training past the limit: %d", a.status)
	}
	clock.Advance(time.Minute)
	if a := postJSON(t, s, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}); a.status != 200 {
		t.Fatalf("after the others finished: %d", a.status)
	}
}

func TestTrainingCreatesAStyle(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: 30 * time.Second})
	a := postJSON(t, s, "/styles/train", map[string]any{"name": "My Cat", "urls": []string{"https://example.com/cat.png"}, "trigger_word": "mycat"})
	if a.status != 200 {
		t.Fatalf("train: %d %s", a.status, a.body)
	}
	var j api.Job
	a.json(t, &j)
	var user stylePage
	getJSON(t, s, "/styles?filter=user", &user)
	if len(user.Items) != 0 {
		t.Fatalf("style exists before training finished: %+v", user.Items)
	}
	clock.Advance(30 * time.Second)
	getJSON(t, s, "/jobs/"+j.JobID, &j)
	if j.Status != "completed" || j.Result == nil || j.Result.StyleID == "" {
		t.Fatalf("training job: %+v", j)
	}
	var st api.Style
	if a := getJSON(t, s, "/styles/"+j.Result.StyleID, &st); a.status != 200 {
		t.Fatalf("trained style: %d", a.status)
	}
	if st.Title == nil || *st.Title != "My Cat" || st.Owner == nil || st.Owner.ID != emulator.UserID || st.CoverURL == nil || len(st.URLs) != 2 {
		t.Fatalf("trained style = %+v", st)
	}
	if f := fetch(t, *st.CoverURL); f.status != 200 || f.header.Get("Content-Type") != "image/png" {
		t.Errorf("cover: %d", f.status)
	}
	getJSON(t, s, "/styles?filter=user", &user)
	if len(user.Items) != 1 || user.Items[0].ID != st.ID {
		t.Errorf("user styles = %+v", user.Items)
	}
}

func TestStyleFiltersVisibilityAndPatch(t *testing.T) {
	s := start(t, emulator.Options{SeedStyles: 6})
	count := func(q string) []api.Style {
		var p stylePage
		if a := getJSON(t, s, "/styles"+q, &p); a.status != 200 {
			t.Fatalf("GET /styles%s: %d", q, a.status)
		}
		return p.Items
	}
	for q, n := range map[string]int{"": 6, "?filter=all": 6, "?filter=user": 4, "?filter=shared": 2, "?filter=krea": 2, "?filter=community": 1, "?filter=public": 5, "?filter=editor": 0, "?liked=true": 1} {
		if got := len(count(q)); got != n {
			t.Errorf("GET /styles%s: %d styles, want %d", q, got, n)
		}
	}
	all := s.Styles()
	byTitle := map[string]api.Style{}
	for _, st := range all {
		if st.Title != nil {
			byTitle[*st.Title] = st
		}
	}
	private, krea := byTitle["Private Elsewhere"], byTitle["Krea Film"]
	if a := call(t, s, "GET", "/styles/"+private.ID, nil, ""); a.status != 404 {
		t.Errorf("a stranger's private style: %d, want 404", a.status)
	}
	if a := call(t, s, "GET", "/styles/"+krea.ID, nil, ""); a.status != 200 {
		t.Errorf("a public style by id: %d", a.status)
	}
	if got := count("?ids=" + krea.ID + "," + private.ID); len(got) != 1 || got[0].ID != krea.ID {
		t.Errorf("ids filter: %+v", got)
	}
	for _, st := range all {
		if st.CoverURL != nil {
			if f := fetch(t, *st.CoverURL); f.status != 200 || f.header.Get("Content-Type") != "image/png" {
				t.Errorf("cover of %s: %d", st.ID, f.status)
			}
		}
	}

	own := count("?filter=user")[0]
	patch := func(id, body string) answer {
		return call(t, s, "PATCH", "/styles/"+id, strings.NewReader(body), "application/json")
	}
	// Krea updates public; a title is not a field it updates (StyleTitle
	// refuse, the default): dropped beside public, 400 alone.
	a := patch(own.ID, `{"title": "Renamed", "public": true}`)
	var st api.Style
	a.json(t, &st)
	if a.status != 200 || st.Title == nil || *st.Title == "Renamed" || !st.Public {
		t.Fatalf("PATCH own: %d %s", a.status, a.body)
	}
	if a := patch(own.ID, `{"title": "Renamed"}`); a.status != 400 || a.errorMessage(t) != "No valid fields to update" {
		t.Errorf("PATCH of the title alone: %d %s, want 400 No valid fields to update", a.status, a.body)
	}
	if a := patch(own.ID, `{}`); a.status != 400 {
		t.Errorf("empty PATCH: %d, want 400", a.status)
	}
	if a := patch(own.ID, `{"title": 5}`); a.status != 400 {
		t.Errorf("PATCH with a numeric title: %d, want 400", a.status)
	}
	shared := count("?filter=shared")[0]
	for _, id := range []string{shared.ID, krea.ID, private.ID, "00000000-0000-4000-8000-000000000000"} {
		if a := patch(id, `{"public": true}`); a.status != 404 {
			t.Errorf("PATCH of someone else's style %s: %d, want 404", id, a.status)
		}
	}
}

func TestSeedingIsDeterministic(t *testing.T) {
	o := emulator.Options{SeedAssets: 25, SeedJobs: 12, SeedStyles: 6}
	a, b := start(t, o), start(t, o)
	if len(a.Assets()) != 25 || len(a.Jobs()) != 12 {
		t.Fatalf("%d assets, %d jobs", len(a.Assets()), len(a.Jobs()))
	}
	var p stylePage
	getJSON(t, a, "/styles", &p)
	if len(p.Items) != 6 {
		t.Fatalf("%d styles in the library", len(p.Items))
	}
	for i, x := range a.Assets() {
		y := b.Assets()[i]
		if x.ID != y.ID || x.Size() != y.Size() || x.MIME() != y.MIME() || x.Description != y.Description {
			t.Fatalf("asset %d differs: %+v / %+v", i, x, y)
		}
	}
	types := map[string]bool{}
	statuses := map[string]int{}
	for _, x := range a.Assets() {
		types[x.MIME()] = true
		f := fetch(t, x.ImageURL)
		if f.status != 200 || int64(len(f.body)) != x.Size() || f.header.Get("Content-Type") != x.MIME() {
			t.Fatalf("seeded %s: %d, %d bytes of %d, %s", x.ImageURL, f.status, len(f.body), x.Size(), f.header.Get("Content-Type"))
		}
		if m, _ := api.SniffMedia(f.body); m != x.MIME() {
			t.Errorf("seeded %s sniffs as %s, says %s", x.ID, m, x.MIME())
		}
	}
	for _, j := range a.Jobs() {
		statuses[j.Status]++
	}
	if len(types) < 8 {
		t.Errorf("only %d types seeded: %v", len(types), types)
	}
	if statuses["failed"] != 1 || statuses["completed"] != 9 || 12-statuses["failed"]-statuses["completed"] != 2 {
		t.Errorf("seeded job statuses %v", statuses)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	// StyleTitle accept: a renamed style is part of the state that persists.
	o := emulator.Options{DataDir: dir, SeedAssets: 4, SeedStyles: 3, JobDuration: -1, StyleTitle: emulator.StyleTitleAccept}
	s1, err := emulator.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	up := upload(t, s1, pngOf(t, 5, 5), "x.png", "kept.png")
	var kept api.Asset
	up.json(t, &kept)
	var j api.Job
	postJSON(t, s1, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x", "width": 512, "height": 512}).json(t, &j)
	own := s1.Styles()[0].ID
	for _, st := range s1.Styles() {
		if st.Owner != nil && st.Owner.ID == emulator.UserID {
			own = st.ID
		}
	}
	if a := call(t, s1, "PATCH", "/styles/"+own, strings.NewReader(`{"title":"Persisted"}`), "application/json"); a.status != 200 {
		t.Fatalf("PATCH: %d", a.status)
	}
	assets1 := s1.Assets()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	// Seeds are ignored now: the directory has state.
	o.SeedAssets = 50
	s2 := start(t, o)
	assets2 := s2.Assets()
	if len(assets2) != len(assets1) {
		t.Fatalf("%d assets after restart, %d before", len(assets2), len(assets1))
	}
	for i := range assets1 {
		if assets1[i].ID != assets2[i].ID || !assets1[i].UploadedAt.Equal(assets2[i].UploadedAt) {
			t.Fatalf("asset %d changed across restart", i)
		}
	}
	var got api.Asset
	getJSON(t, s2, "/assets/"+kept.ID, &got)
	f := fetch(t, got.ImageURL)
	if f.status != 200 || !bytes.Equal(f.body, pngOf(t, 5, 5)) {
		t.Fatalf("uploaded bytes after restart: %d", f.status)
	}
	getJSON(t, s2, "/jobs/"+j.JobID, &j)
	if j.Status != "completed" || len(j.Result.URLs) != 1 || fetch(t, j.Result.URLs[0]).status != 200 {
		t.Fatalf("job after restart: %+v", j)
	}
	var st api.Style
	getJSON(t, s2, "/styles/"+own, &st)
	if st.Title == nil || *st.Title != "Persisted" {
		t.Fatalf("style after restart: %+v", st)
	}
	// New ids do not repeat old ones.
	next, err := s2.AddAsset(pngOf(t, 6, 6), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range assets1 {
		if a.ID == next.ID {
			t.Fatal("an id was reused after restart")
		}
	}
}

func TestTemporaryDataDirIsRemovedOnClose(t *testing.T) {
	s, err := emulator.Start(emulator.Options{SeedAssets: 2})
	if err != nil {
		t.Fatal(err)
	}
	dir := s.DataDir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s still exists after Close (%v)", dir, err)
	}
}

func TestInjectedFaults(t *testing.T) {
	s := start(t, emulator.Options{FaultRate: 1})
	seen := map[int]bool{}
	for range 30 {
		a := call(t, s, "GET", "/assets", nil, "")
		seen[a.status] = true
		switch a.status {
		case 429:
			if a.header.Get("Retry-After") != "1" {
				t.Errorf("429 without Retry-After: 1")
			}
		case 500, 503:
		default:
			t.Fatalf("status %d with FaultRate 1", a.status)
		}
		a.errorMessage(t)
	}
	if len(seen) != 3 {
		t.Errorf("statuses seen: %v, want 500, 503 and 429", seen)
	}
	// Faults come before the effect by default...
	if a := upload(t, s, pngOf(t, 2, 2), "a.png", ""); a.status < 429 || len(s.Assets()) != 0 {
		t.Fatalf("faulted upload: %d, %d assets", a.status, len(s.Assets()))
	}
	// ...or after it, when asked: the server got the upload, the answer is lost.
	s.SetFaultAfterWrite(true)
	if a := upload(t, s, pngOf(t, 2, 2), "a.png", ""); a.status < 429 || len(s.Assets()) != 1 {
		t.Fatalf("fault after write: %d, %d assets", a.status, len(s.Assets()))
	}
	s.SetFaultRate(0)
	if a := call(t, s, "GET", "/assets", nil, ""); a.status != 200 {
		t.Fatalf("after SetFaultRate(0): %d", a.status)
	}
	if n := s.Requests("/assets"); n != 33 {
		t.Errorf("Requests(/assets) = %d, want 33", n)
	}
}

func TestCutDownloadsEndEarly(t *testing.T) {
	s := start(t, emulator.Options{CutRate: 1})
	data := bytes.Repeat([]byte("0123456789"), 10000)
	data = append(pngOf(t, 8, 8), data...) // still sniffs as PNG
	a, err := s.AddAsset(data, "")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		resp, err := http.Get(a.ImageURL)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || len(got) >= len(data) {
			t.Fatalf("cut download: %d of %d bytes, err %v", len(got), len(data), err)
		}
		if !bytes.Equal(got, data[:len(got)]) {
			t.Fatal("cut download delivered wrong bytes")
		}
	}
	s.SetCutRate(0)
	if f := fetch(t, a.ImageURL); !bytes.Equal(f.body, data) {
		t.Fatal("download after SetCutRate(0) differs")
	}
}

func TestBandwidthCapPacesDownloads(t *testing.T) {
	s := start(t, emulator.Options{})
	a, err := s.AddAsset(append(pngOf(t, 4, 4), make([]byte, 64<<10)...), "")
	if err != nil {
		t.Fatal(err)
	}
	s.SetBandwidth(256 << 10) // 64 KiB takes at least 1/4 s
	t0 := time.Now()
	f := fetch(t, a.ImageURL)
	if el := time.Since(t0); el < 200*time.Millisecond {
		t.Errorf("64 KiB at 256 KiB/s took %v", el)
	}
	if int64(len(f.body)) != a.Size() {
		t.Errorf("throttled download: %d bytes of %d", len(f.body), a.Size())
	}
}

func TestStallSendsNothing(t *testing.T) {
	s := start(t, emulator.Options{})
	a, err := s.AddAsset(append(pngOf(t, 4, 4), make([]byte, 10000)...), "")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 150 * time.Millisecond}
	s.SetStall(true)
	for _, u := range []string{a.ImageURL, s.URL() + "/assets"} {
		if resp, err := client.Get(u); err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s during a stall answered %d", u, resp.StatusCode)
		}
	}
	s.SetStall(false)
	s.SetStallAfter(100)
	resp, err := client.Get(a.ImageURL)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(got) != 100 {
		t.Fatalf("stall after 100 bytes: got %d bytes, err %v", len(got), err)
	}
	s.SetStallAfter(-1)
	if f := fetch(t, a.ImageURL); int64(len(f.body)) != a.Size() {
		t.Fatal("download after the stall ended differs")
	}
}

func TestLatencyDelaysAPIRequests(t *testing.T) {
	s := start(t, emulator.Options{Latency: 100 * time.Millisecond})
	t0 := time.Now()
	call(t, s, "GET", "/assets", nil, "")
	if el := time.Since(t0); el < 100*time.Millisecond {
		t.Errorf("request with 100ms latency took %v", el)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := emulator.Start(emulator.Options{SeedAssets: 3, Bandwidth: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	client := &http.Client{Transport: tr}
	resp, err := client.Get(s.Assets()[0].ImageURL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// A download hung mid-body and a stalled API request are both in
	// flight when the server closes.
	s.SetStallAfter(10)
	hung, err := client.Get(s.Assets()[1].ImageURL)
	if err != nil {
		t.Fatal(err)
	}
	s.SetStall(true)
	stalled := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.URL()+"/assets", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		stalled <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the stalled request arrive
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-stalled; err == nil {
		t.Error("a stalled request got an answer")
	}
	io.Copy(io.Discard, hung.Body)
	hung.Body.Close()
	tr.CloseIdleConnections()
}
