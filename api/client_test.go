package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

const testToken = "sk-test-9fQ2xVb7LmZ4"

// syncBuffer is a bytes.Buffer safe for the logger and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is a client whose sleeps are recorded instead of slept and whose
// debug log is captured.
type harness struct {
	*Client
	logs *syncBuffer

	mu     sync.Mutex
	sleeps []time.Duration
	skew   time.Duration // sum of the recorded sleeps
}

func (h *harness) slept() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.sleeps...)
}

func newHarness(t *testing.T, baseURL string, mod func(*Config)) *harness {
	t.Helper()
	logs := &syncBuffer{}
	l := logrus.New()
	l.SetOutput(logs)
	l.SetLevel(logrus.DebugLevel)
	cfg := Config{BaseURL: baseURL, Token: testToken, Log: l}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{Client: c, logs: logs}
	// Recorded sleeps return at once and move the client's clock on, so
	// the shared request budget sees its holds pass.
	c.now = func() time.Time {
		h.mu.Lock()
		defer h.mu.Unlock()
		return time.Now().Add(h.skew)
	}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.skew += max(d, 0)
		h.mu.Unlock()
		return ctx.Err()
	}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testToken) {
			t.Errorf("the token appears in the log:\n%s", logs.String())
		}
	})
	return h
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

const assetJSON = `{"id":"a1","image_url":"https://files.example/a1.png","uploaded_at":"2025-01-02T03:04:05Z",
	"width":512,"height":256,"size_bytes":1234,"mime_type":"image/png","unknown_field":{"x":1}}`

func TestErrorMessage(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"error field", 400, `{"error":"limit must be 1..1000"}`, "limit must be 1..1000"},
		{"402 message field", 402, `{"message":"You have run out of credits."}`, "You have run out of credits."},
		{"error wins over message", 400, `{"error":"e","message":"m"}`, "e"},
		{"empty error falls to message", 400, `{"error":"","message":"m"}`, "m"},
		{"error object", 400, `{"error":{"message":"nested","code":7}}`, "nested"},
		{"detail", 422, `{"detail":"bad field"}`, "bad field"},
		{"detail list", 422, `{"detail":[{"loc":["body","file"],"msg":"field required","type":"missing"},{"loc":["query","limit",0],"msg":"must be <= 1000"}]}`,
			"body.file: field required; query.limit.0: must be <= 1000"},
		{"detail list without loc", 422, `{"detail":[{"msg":"bad"},"plain"]}`, "bad; plain"},
		{"detail list of nothing useful", 422, `{"detail":[{"type":"x"}]}`, "Unprocessable Entity"},
		{"not JSON", 502, `<html>Bad Gateway</html>`, "Bad Gateway"},
		{"empty body", 404, ``, "Not Found"},
		{"null error", 401, `{"error":null}`, "Unauthorized"},
		{"unknown status", 599, ``, "status 599"},
		{"whitespace folded", 400, `{"error":"a\n  b\tc"}`, "a b c"},
		{"truncated", 400, `{"error":"` + long + `"}`, long[:maxMessage] + "..."},
	} {
		if got := errorMessage(tc.status, []byte(tc.body)); got != tc.want {
			t.Errorf("%s: errorMessage = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestErrorsAreTyped(t *testing.T) {
	for _, tc := range []struct {
		status   int
		sentinel error
	}{
		{400, ErrBadRequest}, {401, ErrUnauthorized}, {402, ErrPaymentRequired},
		{403, ErrForbidden}, {404, ErrNotFound}, {409, ErrConflict}, {410, ErrGone}, {413, ErrTooLarge},
		{415, ErrUnsupportedMedia}, {422, ErrValidation},
		{429, ErrRateLimited}, {500, ErrServer}, {503, ErrServer},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tc.status, map[string]string{"error": "nope"})
			}))
			defer srv.Close()
			h := newHarness(t, srv.URL, func(c *Config) { c.MaxRetries = -1 })
			_, err := h.GetAsset(context.Background(), "some-id")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Status != tc.status || e.Message != "nope" || e.Op != "GET /assets/{id}" {
				t.Errorf("got %+v", e)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.sentinel)
			}
			if tc.sentinel != ErrNotFound && errors.Is(err, ErrNotFound) {
				t.Errorf("%d matches ErrNotFound", tc.status)
			}
		})
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, bad := range []string{"ftp://x", "file:///tmp", "http://", "http://u:p@host", "http://h/?q=1", "://"} {
		if _, err := New(Config{BaseURL: bad, Token: testToken}); err == nil {
			t.Errorf("New(%q) accepted", bad)
		} else if strings.Contains(err.Error(), testToken) {
			t.Errorf("error leaks token: %v", err)
		}
	}
	if _, err := New(Config{Token: "a\nb"}); err == nil {
		t.Error("token with newline accepted")
	}
	c, err := New(Config{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if c.origin != "https://api.krea.ai:443" || c.maxRetries != DefaultMaxRetries ||
		c.maxRetryTime != DefaultMaxRetryTime || c.stallTimeout != DefaultStallTimeout {
		t.Errorf("defaults: origin %s retries %d time %v stall %v", c.origin, c.maxRetries, c.maxRetryTime, c.stallTimeout)
	}
	tr, ok := c.files.Transport.(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost < 8 || tr.ResponseHeaderTimeout == 0 || tr.TLSHandshakeTimeout == 0 {
		t.Errorf("default transport not tuned: %#v", c.files.Transport)
	}
	if c2, _ := New(Config{MaxRetries: -1}); c2.maxRetries != 0 {
		t.Errorf("MaxRetries -1 gives %d retries", c2.maxRetries)
	}
}

func TestOriginOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://API.krea.ai":        "https://api.krea.ai:443",
		"https://api.krea.ai:443/x":  "https://api.krea.ai:443",
		"http://127.0.0.1:8787/a?b":  "http://127.0.0.1:8787",
		"http://[::1]/":              "http://[::1]:80",
		"https://api.krea.ai.evil/x": "https://api.krea.ai.evil:443",
		"HTTP://h:80":                "http://h:80",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := originOf(u); got != want {
			t.Errorf("originOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// The token goes to the API origin only: not to another port of the same
// host after a redirect (Go's default would send it), not to Fetch.
func TestAuthOnlyToOrigin(t *testing.T) {
	var otherAuth, apiNoAuth atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			otherAuth.Add(1)
		}
		if r.URL.Path == "/back" {
			// Redirect back to the API: the token may be sent there again.
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, assetJSON)
	}))
	defer other.Close()
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			apiNoAuth.Add(1)
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		switch r.URL.Path {
		case "/assets/away":
			http.Redirect(w, r, other.URL+"/asset", http.StatusFound)
		case "/assets/roundtrip":
			http.Redirect(w, r, other.URL+"/back?to="+api.URL+"/assets/home", http.StatusTemporaryRedirect)
		case "/assets/home", "/file":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, assetJSON)
		}
	}))
	defer api.Close()
	if strings.Split(api.URL, ":")[1] != strings.Split(other.URL, ":")[1] {
		t.Fatal("test wants both servers on one host")
	}
	h := newHarness(t, api.URL, nil)
	ctx := context.Background()

	if _, err := h.GetAsset(ctx, "away"); err != nil {
		t.Fatalf("redirect away: %v", err)
	}
	if _, err := h.GetAsset(ctx, "roundtrip"); err != nil {
		t.Fatalf("redirect away and back: %v", err)
	}
	if otherAuth.Load() != 0 {
		t.Errorf("Authorization reached another origin %d times", otherAuth.Load())
	}
	if apiNoAuth.Load() != 0 {
		t.Errorf("API origin got %d requests without the token", apiNoAuth.Load())
	}
	// Fetch never sends the token, even to the API's own origin.
	if _, err := h.Fetch(ctx, api.URL+"/file", 0, -1); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Fetch of an API-origin URL: err = %v, want the server's 401 (no token sent)", err)
	}
	if _, err := h.Fetch(ctx, other.URL+"/file", 0, -1); err != nil {
		t.Fatal(err)
	}
	if otherAuth.Load() != 0 {
		t.Errorf("Fetch sent Authorization")
	}
}

func TestRedirectToOtherSchemeRefused(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	_, err := h.GetAsset(context.Background(), "x")
	if err == nil || !errors.Is(err, errRedirect) || Temporary(err) {
		t.Fatalf("err = %v, want a permanent refused redirect", err)
	}
	_, err = h.Fetch(context.Background(), srv.URL+"/f", 0, -1)
	if err == nil || !errors.Is(err, errRedirect) {
		t.Fatalf("Fetch err = %v, want a refused redirect", err)
	}
	if hits.Load() != 2 {
		t.Errorf("refused redirects were retried: %d hits", hits.Load())
	}
}

func TestGetRetriesThenSucceeds(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch hits.Add(1) {
		case 1:
			writeJSON(w, 503, map[string]string{"error": "busy"})
		case 2:
			writeJSON(w, 500, map[string]string{"error": "oops"})
		case 3:
			w.Header().Set("Retry-After", "2")
			writeJSON(w, 429, map[string]string{"error": "slow down"})
		case 4:
			w.Header().Set("Retry-After", "3600")
			writeJSON(w, 429, map[string]string{"error": "slow down more"})
		case 5:
			// A transport failure: the connection drops mid-answer.
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `{"id":`)
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		default:
			io.WriteString(w, assetJSON)
		}
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL, func(c *Config) {
		c.MaxRetries = 5
		c.RetryBaseDelay = 100 * time.Millisecond
		c.RetryMaxDelay = time.Second
		c.MaxRetryAfter = 10 * time.Second
		c.MaxRetryTime = time.Hour
	})
	a, err := h.GetAsset(context.Background(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "a1" || hits.Load() != 6 {
		t.Errorf("asset %q after %d hits", a.ID, hits.Load())
	}
	s := h.slept()
	if len(s) != 5 {
		t.Fatalf("slept %v", s)
	}
	if s[0] >= 100*time.Millisecond || s[1] >= 200*time.Millisecond || s[4] >= time.Second {
		t.Errorf("backoff delays out of bounds: %v", s)
	}
	if s[2] != 2*time.Second {
		t.Errorf("Retry-After 2 gave %v", s[2])
	}
	if s[3] != 10*time.Second {
		t.Errorf("Retry-After 3600 not capped at MaxRetryAfter: %v", s[3])
	}
	if !strings.Contains(h.logs.String(), `op="GET /assets/{id}"`) || !strings.Contains(h.logs.String(), "attempt=6") {
		t.Errorf("debug log lacks op/attempt:\n%s", h.logs.String())
	}
}

func TestRetriesAreBounded(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			writeJSON(w, 503, map[string]string{"error": "down"})
		}))
		defer srv.Close()
		h := newHarness(t, srv.URL, func(c *Config) { c.MaxRetries = 3 })
		_, err := h.ListAssets(context.Background(), 10, "")
		if !errors.Is(err, ErrServer) || hits.Load() != 4 {
			t.Errorf("err %v after %d hits, want ErrServer after 4", err, hits.Load())
		}
	})
	t.Run("time", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, map[string]string{"error": "later"})
		}))
		defer srv.Close()
		h := newHarness(t, srv.URL, func(c *Config) {
			c.MaxRetries = 100
			c.MaxRetryTime = 2500 * time.Millisecond
		})
		// A fake clock that the recorded sleeps advance.
		var mu sync.Mutex
		now := time.Unix(1e9, 0)
		h.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		h.sleep = func(ctx context.Context, d time.Duration) error { mu.Lock(); now = now.Add(d); mu.Unlock(); return nil }
		_, err := h.ListAssets(context.Background(), 10, "")
		if !errors.Is(err, ErrRateLimited) || hits.Load() != 3 {
			t.Errorf("err %v after %d hits, want ErrRateLimited after 3 (t=0,1,2s)", err, hits.Load())
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Retry-After", "5")
			writeJSON(w, 503, map[string]string{"error": "later"})
		}))
		defer srv.Close()
		h := newHarness(t, srv.URL, nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := h.ListAssets(ctx, 10, "")
		if !errors.Is(err, ErrServer) || hits.Load() != 1 || len(h.slept()) != 0 {
			t.Errorf("err %v after %d hits; a wait past the deadline was not skipped", err, hits.Load())
		}
	})
}

func TestCancellationIsNotRetried(t *testing.T) {
	var hits atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		cancel()
		<-release
	}))
	defer srv.Close()
	defer close(release)
	h := newHarness(t, srv.URL, nil)
	_, err := h.GetJob(ctx, "j")
	if !errors.Is(err, context.Canceled) || hits.Load() != 1 {
		t.Errorf("err %v after %d hits", err, hits.Load())
	}
	if Temporary(err) {
		t.Error("a cancellation counts as Temporary")
	}
}

// A POST whose body the server read is never sent again, whatever happens.
func TestPostNotRetriedOnceReceived(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
		check   func(error) bool
	}{
		{"connection dropped after the body", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, func(err error) bool { return err != nil && Temporary(err) }},
		{"503", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			writeJSON(w, 503, map[string]string{"error": "busy"})
		}, func(err error) bool { return errors.Is(err, ErrServer) }},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, map[string]string{"error": "max concurrent jobs"})
		}, func(err error) bool { return errors.Is(err, ErrRateLimited) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				tc.handler(w, r)
			}))
			defer srv.Close()
			h := newHarness(t, srv.URL, nil)
			_, err := h.Generate(context.Background(), "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "a cat"})
			if !tc.check(err) {
				t.Errorf("err = %v", err)
			}
			_, err = h.UploadAsset(context.Background(), bytes.NewReader(pngBytes(4096)), "x.png", "")
			if !tc.check(err) {
				t.Errorf("upload err = %v", err)
			}
			_, err = h.PatchStyle(context.Background(), "s1", StylePatch{Title: ptr("t")})
			if !tc.check(err) {
				t.Errorf("patch err = %v", err)
			}
			if hits.Load() != 3 {
				t.Errorf("server got %d requests for 3 calls", hits.Load())
			}
		})
	}
}

// failingDialer fails the first n dials with a dial error, as a refused
// connection would.
func failingDialer(n int32) (*http.Client, *atomic.Int32) {
	var dials atomic.Int32
	d := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= n {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return d.DialContext(ctx, network, addr)
	}}
	return &http.Client{Transport: tr}, &dials
}

func TestPostRetriedWhenItNeverReachedTheServer(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"job_id":"j1","status":"queued","created_at":"2025-01-01T00:00:00Z","completed_at":null,"result":null}`)
	}))
	defer srv.Close()
	hc, dials := failingDialer(2)
	h := newHarness(t, srv.URL, func(c *Config) { c.HTTPClient = hc })
	j, err := h.Generate(context.Background(), "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "a cat"})
	if err != nil {
		t.Fatal(err)
	}
	if j.JobID != "j1" || hits.Load() != 1 || dials.Load() != 3 || len(h.slept()) != 2 {
		t.Errorf("job %q, %d hits, %d dials, sleeps %v", j.JobID, hits.Load(), dials.Load(), h.slept())
	}
}

func TestDeleteNotFoundIsAnError(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method != http.MethodDelete {
			t.Errorf("method %s", r.Method)
		}
		writeJSON(w, 404, map[string]string{"error": "Asset not found"})
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	err := h.DeleteAsset(context.Background(), "gone")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "DELETE /assets/{id}") {
		t.Errorf("DeleteAsset: %v", err)
	}
	if err := h.DeleteJob(context.Background(), "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteJob: %v", err)
	}
	if hits.Load() != 2 {
		t.Errorf("404 retried: %d hits", hits.Load())
	}
}

func TestInvalidIDsNeverSent(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	ctx := context.Background()
	for _, id := range []string{"", ".", "..", "a/b", "a\x00"} {
		if err := h.DeleteAsset(ctx, id); err == nil || Temporary(err) {
			t.Errorf("DeleteAsset(%q): %v", id, err)
		}
		if _, err := h.GetJob(ctx, id); err == nil {
			t.Errorf("GetJob(%q) accepted", id)
		}
	}
	for _, p := range []string{"", "/generate", "/generate/", "/assets", "/generate/../assets", "/generate/x?y=1", "generate/x", "/generate//x", "/generate/x/"} {
		if _, err := h.Generate(ctx, p, nil); err == nil {
			t.Errorf("Generate(%q) accepted", p)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent", hits.Load())
	}
}

func TestIDsAreEscaped(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		io.WriteString(w, `{"id":"s"}`)
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL+"/v1/", nil)
	if _, err := h.GetStyle(context.Background(), "a b?c#d"); err != nil {
		t.Fatal(err)
	}
	if got != "/v1/styles/a%20b%3Fc%23d" {
		t.Errorf("path %q", got)
	}
}

// The requests' shapes: methods, paths, query and bodies.
func TestRequestShapes(t *testing.T) {
	type seen struct {
		method, path, query, ctype, ua, body string
	}
	var mu sync.Mutex
	var reqs []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), string(b)})
		mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/styles/s1"):
			io.WriteString(w, `{"id":"s1","title":"t","urls":[],"public":true,"prompt":"","owner":null,"like_count":null,"created_at":"x"}`)
		case r.URL.Path == "/styles", r.URL.Path == "/jobs":
			io.WriteString(w, `{"items":[],"next_cursor":null}`)
		default:
			io.WriteString(w, `{"job_id":"j","status":"queued","created_at":"2025-01-01T00:00:00Z"}`)
		}
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL, func(c *Config) { c.UserAgent = "kreafs-test/1" })
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.ListJobs(ctx, JobListOptions{Limit: 50, Cursor: "2025-01-01T00:00:00Z", Status: "completed", Types: []string{"flux", "k1"}}))
	must(h.ListStyles(ctx, StyleListOptions{Limit: 7, Filter: "user", IDs: []string{"a", "b"}, Model: "flux_dev", User: "u", Liked: true}))
	must(h.PatchStyle(ctx, "s1", StylePatch{Public: ptr(false), Title: ptr("new")}))
	must(h.TrainStyle(ctx, TrainRequest{Name: "n", URLs: []string{"https://f/1.png"}, MaxTrainSteps: 10}))
	must(h.Generate(ctx, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "p", "width": 64}))
	want := []seen{
		{"GET", "/jobs", "cursor=2025-01-01T00%3A00%3A00Z&limit=50&status=completed&types=flux%2Ck1", "", "kreafs-test/1", ""},
		{"GET", "/styles", "filter=user&ids=a%2Cb&liked=true&limit=7&model=flux_dev&user=u", "", "kreafs-test/1", ""},
		{"PATCH", "/styles/s1", "", "application/json", "kreafs-test/1", `{"public":false,"title":"new"}`},
		{"POST", "/styles/train", "", "application/json", "kreafs-test/1", `{"name":"n","urls":["https://f/1.png"],"max_train_steps":10}`},
		{"POST", "/generate/image/bfl/flux-1-dev", "", "application/json", "kreafs-test/1", `{"prompt":"p","width":64}`},
	}
	if len(reqs) != len(want) {
		t.Fatalf("got %d requests", len(reqs))
	}
	for i := range want {
		if reqs[i] != want[i] {
			t.Errorf("request %d:\n got %+v\nwant %+v", i, reqs[i], want[i])
		}
	}
}

// The token never shows in an error or a log line, whatever fails.
func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/assets/echo":
			// A server that echoes the credential back.
			writeJSON(w, 401, map[string]string{"error": "invalid key " + r.Header.Get("Authorization")})
		case "/assets/redirect":
			http.Redirect(w, r, "gopher://x/"+testToken, http.StatusFound)
		default:
			writeJSON(w, 500, map[string]string{"message": r.Header.Get("Authorization")})
		}
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	var errs []error
	h := newHarness(t, srv.URL, func(c *Config) { c.MaxRetries = 1 })
	ctx := context.Background()
	_, err := h.GetAsset(ctx, "echo")
	errs = append(errs, err)
	_, err = h.GetAsset(ctx, "redirect")
	errs = append(errs, err)
	_, err = h.GetAsset(ctx, "other")
	errs = append(errs, err)
	_, err = h.UploadAsset(ctx, strings.NewReader("hello"), "a.txt", testToken)
	errs = append(errs, err)
	h2 := newHarness(t, closedURL, func(c *Config) { c.MaxRetries = 1 })
	_, err = h2.AllAssets(ctx)
	errs = append(errs, err)
	_, err = h2.Generate(ctx, "/generate/x", map[string]string{"k": testToken})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d succeeded", i)
			continue
		}
		if strings.Contains(err.Error(), testToken) || strings.Contains(fmt.Sprintf("%#v", err), testToken) {
			t.Errorf("call %d: error carries the token: %v", i, err)
		}
	}
	if !strings.Contains(errs[0].Error(), "[REDACTED]") {
		t.Errorf("echoed token not redacted: %v", errs[0])
	}
	// (newHarness's cleanup checks the logs.)
}

func ptr[T any](v T) *T { return &v }

func newDiscardLogger() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}
