// Package docfake is a second, minimal fake of Krea's API for tests, written
// from Krea's documented examples alone (docs.krea.ai reference pages, the
// job-lifecycle page, github.com/krea-ai/skills; summarised in
// /work/shared/krea-docs.md) and independent of api/emulator, so that the
// kreafs client and the bundled emulator cannot agree with each other by
// construction. It is imported only by the integration tests.
//
// What it serves, and the reading of the docs each answer follows:
//   - Bearer auth on every API route; 401 {"error": ...} otherwise.
//   - GET /assets, GET /jobs: newest first, `limit` 1..1000 (default 100,
//     anything else 400), answer {"items": [...], "nextCursor": T|null}. The
//     cursor T is the plain timestamp, with milliseconds, of the last item of
//     the page; cursor=T returns the items created strictly before T. There
//     is no tie-breaker: items sharing T that did not fit on the page are
//     never listed by a client that follows the cursor naively.
//   - Assets carry id, image_url, uploaded_at, width, height, size_bytes,
//     mime_type (the last four may be null), metadata (any JSON, also null)
//     and description only when one is stored (absent, null or a string).
//   - POST /assets: multipart with `file` and optional `description`. The
//     answer does not echo the description unless SetEchoDescription(true)
//     was called (the docs make it optional). The file is hosted at
//     `<files>/<uuid>/<unix ms>-<name as sent>`, the shape of Krea's public
//     examples.
//   - GET/DELETE /assets/{id}; DELETE answers {"success": true, "message": ...}.
//   - RefuseUploads makes uploads fail with any status and raw error body,
//     for the other documented error shapes ({"message": s}, {"detail": s},
//     {"detail": [{"loc": [...], "msg": s, "type": t}]}).
//   - GET /jobs/{id}; jobs carry job_id, type, status, created_at,
//     completed_at (null until finished) and result ({} while running,
//     {"urls": [...]} once completed, {"error": s} once failed).
//   - DELETE /jobs/{id} cancels, and only while the job is queued or
//     processing (200 with the job, now "cancelled"); any other state is
//     400 {"error": ...} and changes nothing; an unknown id is 404.
//   - GET /styles (filter user|shared|krea|all, offset cursor), GET
//     /styles/{id}, PATCH /styles/{id}: only `public` is a valid field; a
//     body without it is 400 {"error": "No valid fields to update"}.
//
// The file host (FilesURL) answers plain GETs with the whole object and a
// Content-Type. It ignores Range headers (always 200 with every byte), the
// stricter of the two readings, since Krea does not document Range support.
// It never needs a token and records whether one was sent.
//
// Locking: Server.mu guards every field below it; handlers hold it for the
// whole of a request's bookkeeping, never while writing an answer body.
package docfake

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TimeLayout is the timestamp format of every answer and cursor: RFC 3339
// in UTC with milliseconds, as in Krea's examples (2026-02-13T02:20:58.265Z).
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Server is a running fake: an API server and a file host.
type Server struct {
	api, files *httptest.Server
	token      string

	mu       sync.Mutex
	echo     bool // answers carry the description sent at upload
	assets   map[string]*Asset
	jobs     map[string]*Job
	styles   map[string]*Style
	blobs    map[string]blob // file host path -> content
	requests []string        // "METHOD /path?query" of every API request
	fileAuth int             // file host requests that carried an Authorization header
	refuse   *refusal        // answer for every upload, when set
}

type blob struct {
	data []byte
	mime string
}

// New starts a fake that accepts token. Close it when done.
func New(token string) *Server {
	s := &Server{
		token:  token,
		assets: map[string]*Asset{},
		jobs:   map[string]*Job{},
		styles: map[string]*Style{},
		blobs:  map[string]blob{},
	}
	s.api = httptest.NewServer(http.HandlerFunc(s.serveAPI))
	s.files = httptest.NewServer(http.HandlerFunc(s.serveFile))
	return s
}

// URL is the API base URL (KREA_API_URL).
func (s *Server) URL() string { return s.api.URL }

// FilesURL is the origin of hosted files.
func (s *Server) FilesURL() string { return s.files.URL }

// Close stops both servers.
func (s *Server) Close() {
	s.api.Close()
	s.files.Close()
}

// Host stores data on the file host under path (unescaped, starting with
// "/") and returns its URL.
func (s *Server) Host(path string, data []byte, mime string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hostLocked(path, data, mime)
}

func (s *Server) hostLocked(path string, data []byte, mime string) string {
	s.blobs[path] = blob{data: append([]byte(nil), data...), mime: mime}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.files.URL + strings.Join(segs, "/")
}

// SetEchoDescription makes answers carry the description sent at upload
// (default: they never do).
func (s *Server) SetEchoDescription(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo = on
}

// refusal is a canned error answer.
type refusal struct {
	status int
	body   []byte
}

// RefuseUploads makes every following POST /assets answer status with body
// (raw JSON, so a test can send any documented error shape); status 0
// accepts uploads again.
func (s *Server) RefuseUploads(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = nil
	if status != 0 {
		s.refuse = &refusal{status: status, body: []byte(body)}
	}
}

// Requests returns "METHOD /path?query" of every API request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// CountRequests counts the API requests whose "METHOD /path" starts with prefix.
func (s *Server) CountRequests(prefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// FileRequestsWithAuth counts file host requests that carried an
// Authorization header (there should be none).
func (s *Server) FileRequestsWithAuth() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fileAuth
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if r.Header.Get("Authorization") != "" {
		s.fileAuth++
	}
	b, ok := s.blobs[r.URL.Path]
	s.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if b.mime != "" {
		w.Header().Set("Content-Type", b.mime)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(b.data)
	}
}

// serveAPI checks the token and routes a request.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
	s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		writeError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	id := ""
	if len(parts) == 2 {
		id = parts[1]
	}
	switch {
	case len(parts) > 2:
		writeError(w, http.StatusNotFound, "Not found")
	case parts[0] == "assets":
		s.routeAssets(w, r, id)
	case parts[0] == "jobs":
		s.routeJobs(w, r, id)
	case parts[0] == "styles":
		s.routeStyles(w, r, id)
	default:
		writeError(w, http.StatusNotFound, "Not found")
	}
}

func methodNotAllowed(w http.ResponseWriter) {
	writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
}

// writeError answers {"error": msg}, the documented error shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// listed is one item of a timestamp-paged listing.
type listed struct {
	at   time.Time
	id   string
	json map[string]any
}

// page applies `limit` and `cursor` ("created before T") to items and
// answers the page. Items are sorted newest first; items sharing one
// millisecond are ordered by id, which the client cannot see in the cursor.
func page(w http.ResponseWriter, r *http.Request, items []listed) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be an integer between 1 and 1000")
			return
		}
		limit = n
	}
	var before time.Time
	if v := r.URL.Query().Get("cursor"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid cursor")
			return
		}
		before = t
	}
	sort.Slice(items, func(i, j int) bool {
		if !items[i].at.Equal(items[j].at) {
			return items[i].at.After(items[j].at)
		}
		return items[i].id < items[j].id
	})
	var out []map[string]any
	var next any
	for _, it := range items {
		if !before.IsZero() && !it.at.Before(before) {
			continue
		}
		if len(out) == limit {
			next = out[len(out)-1]["_at"]
			break
		}
		it.json["_at"] = it.at.UTC().Format(TimeLayout)
		out = append(out, it.json)
	}
	for _, o := range out {
		delete(o, "_at")
	}
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "nextCursor": next})
}

// NewID returns a random UUID (version 4), the shape of Krea's ids.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// now is the current time at millisecond precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
