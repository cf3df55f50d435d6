package emulator_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// start runs an emulator closed at the end of the test.
func start(t testing.TB, o emulator.Options) *emulator.Server {
	t.Helper()
	s, err := emulator.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fakeClock is an injectable clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d is not JSON (%v): %s", a.status, err, a.body)
	}
}

// errorMessage is the "error" of an error answer; it fails the test when
// there is none.
func (a answer) errorMessage(t testing.TB) string {
	t.Helper()
	var e struct {
		Error *string `json:"error"`
	}
	a.json(t, &e)
	if e.Error == nil || *e.Error == "" {
		t.Fatalf("answer %d has no error message: %s", a.status, a.body)
	}
	return *e.Error
}

// call sends an authenticated API request.
func call(t testing.TB, s *emulator.Server, method, path string, body io.Reader, ctype string) answer {
	t.Helper()
	return callToken(t, s, s.Token(), method, path, body, ctype)
}

func callToken(t testing.TB, s *emulator.Server, token, method, path string, body io.Reader, ctype string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return send(t, req)
}

func send(t testing.TB, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func getJSON(t testing.TB, s *emulator.Server, path string, v any) answer {
	t.Helper()
	a := call(t, s, "GET", path, nil, "")
	if a.status == http.StatusOK && v != nil {
		a.json(t, v)
	}
	return a
}

func postJSON(t testing.TB, s *emulator.Server, path string, body any) answer {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, s, "POST", path, bytes.NewReader(b), "application/json")
}

// multipartBody builds an upload form in memory (small files only).
func multipartBody(t testing.TB, data []byte, filename, description string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	if description != "" {
		mw.WriteField("description", description)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func upload(t testing.TB, s *emulator.Server, data []byte, filename, description string) answer {
	t.Helper()
	body, ctype := multipartBody(t, data, filename, description)
	return call(t, s, "POST", "/assets", body, ctype)
}

func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fetch GETs a file URL without auth, with optional extra headers.
func fetch(t testing.TB, url string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return send(t, req)
}

func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }
