package emulator_test

// Conformance: every endpoint the emulator implements is driven, and each
// request and answer (status, Content-Type, body) is validated against
// Krea's OpenAPI spec with kin-openapi (package spec). Statuses the spec does
// not document are allowed only where Krea's behaviour requires them (401 on
// any operation: security is global; 400 for bad list parameters on
// operations that document no 400), and must still be {"error": "..."}.
//
// The emulator's defaults follow Krea's reference pages, which are newer
// than the bundled spec. Where they differ (the list cursor is "nextCursor";
// a running job's "completed_at" is null; an asset's "description" may be
// null), each answer is checked in its documented shape by the tests below
// and by spec.ToBundledShape, then rewritten into the bundled shape and
// validated against the bundled spec like everything else. With the
// switches that restore the bundled spec's shapes (CursorField next_cursor)
// the answers validate against the bundled spec with no rewriting.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/api/emulator/spec"
	"github.com/kreafs/kreafs/api/emulator/specvalidate"
)

type conformer struct {
	t *testing.T
	s *emulator.Server
}

type confReq struct {
	method, path string
	body         []byte
	ctype        string
	noToken      bool
	badOnPurpose bool // the request breaks the spec on purpose: do not validate it
	want         int
	undocumented bool // want is a status the operation does not document
}

// do sends r, validates both directions and returns the answer.
func (c *conformer) do(r confReq) answer {
	c.t.Helper()
	req, err := http.NewRequest(r.method, c.s.URL()+r.path, bytes.NewReader(r.body))
	if err != nil {
		c.t.Fatal(err)
	}
	if r.body == nil {
		req.Body = http.NoBody
		req.ContentLength = 0
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	if !r.noToken {
		req.Header.Set("Authorization", "Bearer "+c.s.Token())
	}
	if !r.badOnPurpose {
		check := req.Clone(req.Context())
		check.Body = io.NopCloser(bytes.NewReader(r.body))
		if err := spec.ValidateRequest(req.Context(), check, spec.RequestOptions{SkipSecurity: r.noToken}); err != nil {
			c.t.Fatalf("the test's own request is invalid: %v", err)
		}
	}
	a := send(c.t, req)
	if a.status != r.want {
		c.t.Fatalf("%s %s: %d %s, want %d", r.method, r.path, a.status, a.body, r.want)
	}
	vreq := req.Clone(req.Context())
	vreq.Body = http.NoBody
	if r.undocumented {
		if specvalidate.Documented(vreq, a.status) {
			c.t.Errorf("%s %s: %d is documented after all", r.method, r.path, a.status)
		}
		if err := specvalidate.CheckErrorBody(a.status, a.body); err != nil {
			c.t.Errorf("%s %s: %v", r.method, r.path, err)
		}
		return a
	}
	if err := spec.ValidateResponse(req.Context(), vreq, a.status, a.header, a.body, spec.ResponseOptions{StrictStatus: true, Documented: true}); err != nil {
		c.t.Errorf("%v", err)
	}
	return a
}

func (c *conformer) get(path string, want int) answer {
	c.t.Helper()
	return c.do(confReq{method: "GET", path: path, want: want})
}

func (c *conformer) postJSON(path string, body any, want int) answer {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(confReq{method: "POST", path: path, body: b, ctype: "application/json", want: want, badOnPurpose: want == 400})
}

func TestConformanceAssets(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 12})
	c := &conformer{t, s}

	var p assetPage
	c.get("/assets", 200).json(t, &p)
	c.get("/assets?limit=5", 200).json(t, &p)
	if p.NextCursor == nil {
		t.Fatal("no next_cursor on a first page of 5 of 12")
	}
	c.get("/assets?limit=5&cursor="+url.QueryEscape(*p.NextCursor), 200)
	c.get("/assets?limit=1000&cursor="+url.QueryEscape(*p.NextCursor), 200).json(t, &p)
	if p.NextCursor != nil {
		t.Fatalf("last page has next_cursor %q", *p.NextCursor)
	}
	c.get("/assets/"+s.Assets()[0].ID, 200)

	body, ctype := multipartBody(t, pngOf(t, 8, 8), "x.png", "a description")
	var up api.Asset
	c.do(confReq{method: "POST", path: "/assets", body: body.Bytes(), ctype: ctype, want: 200}).json(t, &up)
	c.do(confReq{method: "DELETE", path: "/assets/" + up.ID, want: 200})

	// Errors.
	c.do(confReq{method: "GET", path: "/assets", noToken: true, want: 401})
	c.do(confReq{method: "GET", path: "/assets/" + up.ID, noToken: true, want: 401})
	c.get("/assets/"+up.ID, 404)
	c.do(confReq{method: "DELETE", path: "/assets/" + up.ID, want: 404})
	text, textType := multipartBody(t, []byte("hello, world\n"), "x.png", "")
	c.do(confReq{method: "POST", path: "/assets", body: text.Bytes(), ctype: textType, want: 400})
	c.do(confReq{method: "POST", path: "/assets", body: body.Bytes(), ctype: ctype, noToken: true, want: 401})
	for _, q := range []string{"limit=0", "limit=1001", "cursor=not-a-time"} {
		c.do(confReq{method: "GET", path: "/assets?" + q, badOnPurpose: true, want: 400, undocumented: true})
	}
}

// rawCursor decodes a list answer and returns which cursor fields it has.
func rawCursor(t *testing.T, a answer) (camel, snake json.RawMessage) {
	t.Helper()
	var m map[string]json.RawMessage
	a.json(t, &m)
	return m["nextCursor"], m["next_cursor"]
}

func TestConformanceListCursorFieldIsNextCursorByDefault(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 12, SeedJobs: 4, SeedStyles: 3})
	c := &conformer{t, s}
	for _, path := range []string{"/assets?limit=5", "/jobs?limit=2", "/styles?limit=2", "/assets?limit=1000"} {
		camel, snake := rawCursor(t, c.get(path, 200))
		if camel == nil || snake != nil {
			t.Errorf("%s: nextCursor %s, next_cursor %s; want only nextCursor", path, camel, snake)
		}
	}
	// The cursor is the plain millisecond timestamp of the last item.
	var p assetPage
	c.get("/assets?limit=5", 200).json(t, &p)
	if got, want := *p.NextCursor, p.Items[4].UploadedAt.UTC().Format("2006-01-02T15:04:05.000Z"); got != want {
		t.Errorf("nextCursor %q, want the last item's uploaded_at %q", got, want)
	}
	// With the switch, the bundled spec's cursor name (job answers still
	// carry a null completed_at while running, as documented: rewritten).
	s2 := start(t, emulator.Options{SeedAssets: 12, SeedJobs: 4, SeedStyles: 3, CursorField: "next_cursor"})
	for _, path := range []string{"/assets?limit=5", "/jobs?limit=2", "/styles?limit=2"} {
		req, _ := http.NewRequest("GET", s2.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+s2.Token())
		a := send(t, req)
		camel, snake := rawCursor(t, a)
		if camel != nil || snake == nil {
			t.Errorf("next_cursor switch, %s: nextCursor %s, next_cursor %s", path, camel, snake)
		}
		if err := spec.ValidateResponse(req.Context(), req, a.status, a.header, a.body, spec.ResponseOptions{StrictStatus: true, Documented: true}); err != nil {
			t.Errorf("next_cursor switch: %v", err)
		}
	}
}

func TestConformanceJobs(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{SeedJobs: 10, Clock: clock.Now, JobDuration: 9 * time.Second, MaxConcurrentJobs: 2})
	c := &conformer{t, s}

	var p jobPage
	c.get("/jobs", 200).json(t, &p)
	if len(p.Items) != 10 {
		t.Fatalf("%d seeded jobs", len(p.Items))
	}
	statuses := map[string]bool{}
	for _, j := range p.Items {
		statuses[j.Status] = true
		c.get("/jobs/"+j.JobID, 200) // queued, completed and failed ones
	}
	if !statuses["queued"] || !statuses["completed"] || !statuses["failed"] {
		t.Errorf("seeded statuses %v", statuses)
	}
	// A new job past the limit (the seeded running job plus one) is
	// backlogged; then every documented state in turn validates, at
	// GET /jobs/{id}, in GET /jobs and filtered by its status.
	var first, backlogged api.Job
	c.postJSON("/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}, 200).json(t, &first)
	c.postJSON("/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}, 200).json(t, &backlogged)
	if backlogged.Status != "backlogged" {
		t.Fatalf("job past the limit: %s", backlogged.Status)
	}
	seen := map[string]bool{}
	for range 30 {
		var j api.Job
		c.get("/jobs/"+backlogged.JobID, 200).json(t, &j)
		if !seen[j.Status] {
			seen[j.Status] = true
			c.get("/jobs?status="+j.Status, 200)
		}
		clock.Advance(time.Second)
	}
	for _, st := range []string{"backlogged", "queued", "scheduled", "processing", "sampling", "intermediate-complete", "completed"} {
		if !seen[st] {
			t.Errorf("state %s never seen (saw %v)", st, seen)
		}
	}
	c.get("/jobs?limit=3", 200).json(t, &p)
	c.get("/jobs?limit=3&cursor="+url.QueryEscape(*p.NextCursor), 200)
	c.get("/jobs?status=completed&types=flux-1-dev,kling-2.1", 200)

	// DELETE cancels a queued job and answers with it (the bundled spec
	// documents a bare 200; the job-lifecycle page says it cancels). A
	// completed job cannot be cancelled: 400, which the lifecycle page
	// documents and the bundled spec does not.
	var q api.Job
	c.postJSON("/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}, 200).json(t, &q)
	c.do(confReq{method: "DELETE", path: "/jobs/" + q.JobID, want: 200}).json(t, &q)
	if q.Status != "cancelled" || q.CompletedAt == nil {
		t.Fatalf("cancelled: %+v", q)
	}
	c.get("/jobs/"+q.JobID, 200)
	c.get("/jobs?status=cancelled", 200)
	c.do(confReq{method: "DELETE", path: "/jobs/" + backlogged.JobID, want: 400, undocumented: true})
	c.do(confReq{method: "DELETE", path: "/jobs/00000000-0000-4000-8000-000000000000", want: 404})
	c.do(confReq{method: "GET", path: "/jobs", noToken: true, want: 401})
	c.do(confReq{method: "GET", path: "/jobs/" + p.Items[1].JobID, noToken: true, want: 401, undocumented: true})
	c.do(confReq{method: "GET", path: "/jobs?limit=0", badOnPurpose: true, want: 400})
	c.do(confReq{method: "GET", path: "/jobs?status=done", badOnPurpose: true, want: 400})

	// The switches: an undocumented state (status outside the spec's enum,
	// so only its shape is checked), JobDelete delete (the bundled spec's
	// 200 then 404), RefuseOverLimit (429, which the spec documents).
	x := start(t, emulator.Options{Clock: clock.Now, JobDuration: 6 * time.Second, ExtraJobState: "upscaling",
		JobDelete: emulator.JobDeleteRemove, MaxConcurrentJobs: 1, RefuseOverLimit: true})
	cx := &conformer{t, x}
	var xj api.Job
	cx.postJSON("/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}, 200).json(t, &xj)
	cx.postJSON("/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}, 429)
	clock.Advance(5 * time.Second)
	var m map[string]any
	getJSON(t, x, "/jobs/"+xj.JobID, &m)
	if m["status"] != "upscaling" || m["job_id"] != xj.JobID || m["created_at"] == nil {
		t.Fatalf("extra state: %v", m)
	}
	clock.Advance(time.Second)
	cx.get("/jobs/"+xj.JobID, 200)
	cx.do(confReq{method: "DELETE", path: "/jobs/" + xj.JobID, want: 200})
	cx.get("/jobs/"+xj.JobID, 404)
	cx.do(confReq{method: "DELETE", path: "/jobs/" + xj.JobID, want: 404})
}

// sampleValue makes a value a schema accepts: its const, default or first
// enum value, else a small value of its type within its bounds.
func sampleValue(s *openapi3.Schema) any {
	switch {
	case s == nil:
		return nil
	case s.Const != nil:
		return s.Const
	case s.Default != nil:
		return s.Default
	case len(s.Enum) > 0:
		for _, e := range s.Enum {
			if e != nil {
				return e
			}
		}
	case len(s.OneOf) > 0:
		return sampleValue(s.OneOf[0].Value)
	case len(s.AnyOf) > 0:
		return sampleValue(s.AnyOf[0].Value)
	}
	typ := ""
	if s.Type != nil {
		for _, x := range s.Type.Slice() {
			if x != "null" {
				typ = x
				break
			}
		}
	}
	switch typ {
	case "string":
		if s.Format == "uri" {
			return "https://example.com/input.png"
		}
		return "abc" + strings.Repeat("d", int(max(s.MinLength, 3)-3))
	case "number", "integer":
		v := 1.0
		if s.Min != nil && *s.Min > v {
			v = *s.Min
		}
		if s.Max != nil && *s.Max < v {
			v = *s.Max
		}
		return v
	case "boolean":
		return false
	case "array":
		n := max(int(s.MinItems), 1)
		out := make([]any, n)
		for i := range out {
			if s.Items != nil {
				out[i] = sampleValue(s.Items.Value)
			}
		}
		return out
	case "object":
		return minimalObject(s, nil)
	}
	return nil
}

// minimalObject is example (if any) plus every required property it lacks.
func minimalObject(s *openapi3.Schema, example any) map[string]any {
	out := map[string]any{}
	if ex, ok := example.(map[string]any); ok {
		for k, v := range ex {
			if _, known := s.Properties[k]; known {
				out[k] = v
			}
		}
	}
	for _, k := range s.Required {
		if _, ok := out[k]; !ok {
			if p := s.Properties[k]; p != nil {
				out[k] = sampleValue(p.Value)
			}
		}
	}
	return out
}

// minimalBody is a valid request body for POST path, from the spec.
func minimalBody(t *testing.T, path string) map[string]any {
	t.Helper()
	doc, err := spec.Doc()
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value(path).Post
	mt := op.RequestBody.Value.Content.Get("application/json")
	return minimalObject(mt.Schema.Value, mt.Example)
}

func TestConformanceEveryGeneratePath(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: time.Second})
	c := &conformer{t, s}
	paths, err := spec.GeneratePaths()
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 50 {
		t.Fatalf("only %d generate paths in the spec", len(paths))
	}
	ids := map[string]string{}
	for _, p := range paths {
		var j api.Job
		c.postJSON(p, minimalBody(t, p), 200).json(t, &j)
		ids[p] = j.JobID
	}
	clock.Advance(time.Second)
	for _, p := range paths {
		var j api.Job
		c.get("/jobs/"+ids[p], 200).json(t, &j)
		if j.Status != "completed" || j.Result == nil || len(j.Result.URLs) != 1 {
			t.Fatalf("%s: job %+v", p, j)
		}
		// Results have the right type for the endpoint kind. Fetching a
		// few keeps the test quick: images render on first download.
		if strings.Contains(p, "/video/") && !strings.HasSuffix(j.Result.URLs[0], ".mp4") {
			t.Errorf("%s: video result %s", p, j.Result.URLs[0])
		}
	}
	c.postJSON("/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x", "bogus": 1}, 400)
	c.postJSON("/generate/video/google/veo-3", map[string]any{}, 400)
	c.do(confReq{method: "POST", path: "/generate/image/bfl/flux-1-dev", body: []byte(`{"prompt":"x"}`), ctype: "application/json", noToken: true, want: 401})
	// Past the concurrency limit a job is backlogged (Krea's rate-limits
	// page); the 429 of the spec is the RefuseOverLimit switch, covered in
	// TestConformanceJobs.
	s.SetMaxConcurrentJobs(1)
	c.postJSON("/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}, 200)
	var j api.Job
	c.postJSON("/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "x"}, 200).json(t, &j)
	if j.Status != "backlogged" {
		t.Errorf("second job past a limit of 1: %s", j.Status)
	}
}

func TestConformanceStyles(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{SeedStyles: 6, Clock: clock.Now, JobDuration: time.Minute})
	c := &conformer{t, s}

	var p stylePage
	c.get("/styles", 200)
	for _, f := range []string{"all", "user", "community", "krea", "shared", "unapproved", "editor", "gallery", "public"} {
		c.get("/styles?filter="+f, 200)
	}
	c.get("/styles?limit=2", 200).json(t, &p)
	c.get("/styles?limit=2&cursor="+url.QueryEscape(*p.NextCursor), 200)
	c.get("/styles?liked=true&model=flux_dev&user="+emulator.UserID, 200)
	c.get("/styles?ids="+p.Items[0].ID+","+p.Items[1].ID, 200)
	c.get("/styles/"+p.Items[0].ID, 200)
	var own stylePage
	c.get("/styles?filter=user", 200).json(t, &own)
	var shared stylePage
	c.get("/styles?filter=shared", 200).json(t, &shared)
	patch := func(id, body string, want int) {
		c.do(confReq{method: "PATCH", path: "/styles/" + id, body: []byte(body), ctype: "application/json", want: want})
	}
	patch(own.Items[0].ID, `{"title":"New title","public":true,"urls":["https://example.com/p.png"],"cover_url":"https://example.com/c.png"}`, 200)
	c.do(confReq{method: "PATCH", path: "/styles/" + own.Items[0].ID, body: []byte(`{"public":null}`), ctype: "application/json", want: 400})
	patch(shared.Items[0].ID, `{"public":true}`, 404)
	// A title alone: refused by default (400 "No valid fields to update",
	// Krea's update-a-style page); the switches answer 200.
	patch(own.Items[0].ID, `{"title":"x"}`, 400)
	for _, mode := range []string{emulator.StyleTitleAccept, emulator.StyleTitleIgnore} {
		x := start(t, emulator.Options{SeedStyles: 3, StyleTitle: mode})
		(&conformer{t, x}).do(confReq{method: "PATCH", path: "/styles/" + ownStyle(t, x).ID, body: []byte(`{"title":"x"}`), ctype: "application/json", want: 200})
	}
	c.get("/styles/00000000-0000-4000-8000-000000000000", 404)
	c.do(confReq{method: "GET", path: "/styles", noToken: true, want: 401})
	c.do(confReq{method: "GET", path: "/styles?filter=mine", badOnPurpose: true, want: 400})

	// Training: both shapes of the body, then the style it makes.
	var j api.Job
	c.postJSON("/styles/train", map[string]any{"name": "Flux style", "urls": []string{"https://example.com/a.png"}}, 200).json(t, &j)
	c.postJSON("/styles/train", map[string]any{"model": "qwen", "name": "Qwen style", "urls": []string{"https://example.com/a.png"}, "type": "Object"}, 200)
	c.postJSON("/styles/train", map[string]any{"urls": []string{"https://example.com/a.png"}}, 400)
	c.get("/jobs/"+j.JobID, 200)
	clock.Advance(time.Minute)
	c.get("/jobs/"+j.JobID, 200).json(t, &j)
	if j.Result == nil || j.Result.StyleID == "" {
		t.Fatalf("training job %+v", j)
	}
	c.get("/styles/"+j.Result.StyleID, 200)
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// recorder is a testing.TB that keeps Errorf messages instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestValidatingTransportPassesTheEmulator(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 3, SeedJobs: 2, SeedStyles: 2})
	client := &http.Client{Transport: specvalidate.NewValidatingTransport(t, nil)}
	do := func(method, path, ctype string, body io.Reader) int {
		req, _ := http.NewRequest(method, s.URL()+path, body)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	do("GET", "/assets?limit=2", "", nil)
	do("GET", "/jobs", "", nil)
	do("GET", "/styles", "", nil)
	body, ctype := multipartBody(t, pngOf(t, 3, 3), "a.png", "d")
	if st := do("POST", "/assets", ctype, body); st != 200 {
		t.Fatalf("upload through the transport: %d", st)
	}
	do("POST", "/generate/image/bfl/flux-1-dev", "application/json", strings.NewReader(`{"prompt":"x"}`))
	// A download goes through untouched (no Authorization: none is sent).
	resp, err := client.Get(s.Assets()[0].ImageURL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download through the transport: %v", err)
	}
	resp.Body.Close()
}

func TestValidatingTransportCatchesViolations(t *testing.T) {
	bad := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/assets":
			// next_cursor missing, width a string.
			io.WriteString(w, `{"items":[{"id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","image_url":"http://x/y.png","uploaded_at":"2025-01-01T00:00:00Z","width":"wide","height":null,"size_bytes":null,"mime_type":null}]}`)
		case "/jobs/x":
			// A status neither the spec nor the reference pages know.
			io.WriteString(w, `{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"done","created_at":"2025-01-01T00:00:00Z","completed_at":null}`)
		default:
			w.WriteHeader(500)
			io.WriteString(w, `oops`)
		}
	})
	srv := &http.Server{Handler: bad}
	ln := listen(t)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()

	cases := []struct {
		name, method, path, body string
		auth                     bool
	}{
		{"response violates the schema", "GET", "/assets", "", true},
		{"status outside the enum", "GET", "/jobs/x", "", true},
		{"request without a token", "GET", "/jobs/x", "", false},
		{"request body violates the schema", "POST", "/generate/image/bfl/flux-1-dev", `{"prompt": 5}`, true},
		{"undocumented error is not JSON", "GET", "/styles", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			client := &http.Client{Transport: specvalidate.NewValidatingTransport(rec, nil)}
			req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
			if tc.auth {
				req.Header.Set("Authorization", "Bearer t")
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if len(rec.errs) == 0 {
				t.Fatal("the violation was not reported")
			}
		})
	}
	// The token going to a host that is not the API's is reported too.
	rec := &recorder{TB: t}
	client := &http.Client{Transport: specvalidate.NewValidatingTransport(rec, nil)}
	req, _ := http.NewRequest("GET", base+"/assets", nil)
	req.Header.Set("Authorization", "Bearer t")
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	rec.errs = nil
	other := listen(t)
	srv2 := &http.Server{Handler: bad}
	go srv2.Serve(other)
	t.Cleanup(func() { srv2.Close() })
	req, _ = http.NewRequest("GET", "http://"+other.Addr().String()+"/files/a.png", nil)
	req.Header.Set("Authorization", "Bearer t")
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
	}
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "Authorization") {
		t.Fatalf("token to a foreign host: %v", rec.errs)
	}
}
