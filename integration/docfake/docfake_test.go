package docfake

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// call sends an API request with the fake's token and decodes the answer.
func call(t *testing.T, s *Server, method, path, ctype string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %v", method, path, err)
	}
	return resp.StatusCode, m
}

func TestTimestampCursorSkipsItemsSharingTheLastMillisecondOfAPage(t *testing.T) {
	s := New("tok")
	defer s.Close()
	at := time.Date(2026, 2, 13, 2, 20, 58, 265e6, time.UTC)
	for i := 0; i < 3; i++ {
		s.AddAsset(AssetSeed{Data: []byte("x"), UploadedAt: at})
	}
	s.AddAsset(AssetSeed{Data: []byte("y"), UploadedAt: at.Add(-time.Millisecond)})
	code, p1 := call(t, s, "GET", "/assets?limit=2", "", nil)
	if code != 200 || len(p1["items"].([]any)) != 2 || p1["nextCursor"] != "2026-02-13T02:20:58.265Z" {
		t.Fatalf("first page: %d %v", code, p1)
	}
	_, p2 := call(t, s, "GET", "/assets?limit=2&cursor=2026-02-13T02:20:58.265Z", "", nil)
	items := p2["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["uploaded_at"] != "2026-02-13T02:20:58.264Z" || p2["nextCursor"] != nil {
		t.Errorf("second page: %v, want only the older asset (the third one at .265 is skipped)", p2)
	}
	for _, bad := range []string{"0", "1001", "x"} {
		if code, m := call(t, s, "GET", "/assets?limit="+bad, "", nil); code != 400 || m["error"] == nil {
			t.Errorf("limit=%s: %d %v, want 400 {error}", bad, code, m)
		}
	}
}

func TestUploadIsHostedUnderItsNameAndDoesNotEchoTheDescription(t *testing.T) {
	s := New("tok")
	defer s.Close()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("description", "holiday.png")
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="file"; filename="holiday 1.png"`}
	h["Content-Type"] = []string{"image/png"}
	part, _ := w.CreatePart(h)
	_, _ = part.Write([]byte("\x89PNG\r\n\x1a\nnot really"))
	_ = w.Close()
	code, a := call(t, s, "POST", "/assets", w.FormDataContentType(), body.Bytes())
	if code != 200 {
		t.Fatalf("upload: %d %v", code, a)
	}
	if _, has := a["description"]; has {
		t.Errorf("the answer echoes the description: %v", a)
	}
	if u := a["image_url"].(string); !strings.HasPrefix(u, s.FilesURL()+"/") || !strings.HasSuffix(u, "-holiday%201.png") {
		t.Errorf("image_url %q is not <files>/<uuid>/<ms>-<escaped name>", u)
	}
	resp, err := http.Get(a["image_url"].(string))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET image_url: %v %v", err, resp)
	}
	resp.Body.Close()
	s.SetEchoDescription(true)
	if _, a2 := call(t, s, "GET", "/assets/"+a["id"].(string), "", nil); a2["description"] != "holiday.png" {
		t.Errorf("with SetEchoDescription(true): %v", a2)
	}
}

func TestDeleteOfAJobCancelsOnlyQueuedOrProcessingJobs(t *testing.T) {
	s := New("tok")
	defer s.Close()
	for _, st := range []string{Backlogged, Queued, Scheduled, Processing, Sampling, IntermediateComplete, Completed, Failed, Cancelled} {
		j := s.AddJob(Job{Status: st})
		code, m := call(t, s, "DELETE", "/jobs/"+j.ID, "", nil)
		got, _ := s.Job(j.ID)
		if st == Queued || st == Processing {
			if code != 200 || m["status"] != Cancelled || m["completed_at"] == nil || got.Status != Cancelled {
				t.Errorf("DELETE of a %s job: %d %v", st, code, m)
			}
			continue
		}
		if code != 400 || m["error"] == nil || got.Status != st {
			t.Errorf("DELETE of a %s job: %d %v, server now %s; want 400 {error} and no change", st, code, m, got.Status)
		}
	}
	if code, _ := call(t, s, "DELETE", "/jobs/"+NewID(), "", nil); code != 404 {
		t.Errorf("DELETE of an unknown job: %d, want 404", code)
	}
	j := s.AddJob(Job{Status: Processing})
	if _, m := call(t, s, "GET", "/jobs/"+j.ID, "", nil); m["completed_at"] != nil || len(m["result"].(map[string]any)) != 0 || m["type"] != "externalImage" {
		t.Errorf("a running job: %v, want completed_at null, result {}, type", m)
	}
}

func TestPatchOfAStyleRefusesATitleAndRequestsNeedTheToken(t *testing.T) {
	s := New("tok")
	defer s.Close()
	st := s.AddStyle(Style{Title: Str("Watercolor")})
	code, m := call(t, s, "PATCH", "/styles/"+st.ID, "application/json", []byte(`{"title":"Ink"}`))
	if got, _ := s.Style(st.ID); code != 400 || m["error"] != "No valid fields to update" || *got.Title != "Watercolor" {
		t.Errorf("PATCH title: %d %v", code, m)
	}
	if code, m := call(t, s, "PATCH", "/styles/"+st.ID, "application/json", []byte(`{"public":true}`)); code != 200 || m["public"] != true {
		t.Errorf("PATCH public: %d %v", code, m)
	}
	resp, err := http.Get(s.URL() + "/assets")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("GET /assets without a token: %d, want 401", resp.StatusCode)
	}
}
