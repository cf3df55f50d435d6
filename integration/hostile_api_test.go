//go:build linux

package integration

// Hostile input from the API (docs/reliability.md, "Hostile input"): a
// proxy in front of the emulator adds records no sane API would send and
// breaks whole answers. None of it crashes kreafs, makes a name that
// leaves assets/, breaks the other entries or sends the token anywhere but
// the API's origin; each gives a log line.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kreafs/kreafs/api/emulator"
)

// fileHost is an origin other than the API's: it serves fixed bytes and
// redirects, and records every Authorization header it is sent.
type fileHost struct {
	*httptest.Server
	mu     sync.Mutex
	auth   []string // Authorization headers seen
	served atomic.Int32
}

func startFileHost(t testing.TB, handler func(h *fileHost, w http.ResponseWriter, r *http.Request)) *fileHost {
	t.Helper()
	h := &fileHost{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a != "" {
			h.mu.Lock()
			h.auth = append(h.auth, r.Method+" "+r.URL.Path)
			h.mu.Unlock()
		}
		h.served.Add(1)
		handler(h, w, r)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *fileHost) leaks() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.auth...)
}

// hostileAPI is the emulator's API with extra raw items on the first page
// of GET /assets, or a broken answer to it (mode).
type hostileAPI struct {
	*httptest.Server
	emu   *Emulator
	mu    sync.Mutex
	extra []string          // raw JSON items added to the first page
	mode  string            // "": normal; else how GET /assets breaks
	byID  map[string]string // GET /assets/{id} answers: raw JSON, or "redirect:URL"
}

func startHostileAPI(t testing.TB, emu *Emulator) *hostileAPI {
	t.Helper()
	target, err := url.Parse(emu.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := &hostileAPI{emu: emu, byID: map[string]string{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	client := &http.Client{Timeout: time.Minute}
	t.Cleanup(client.CloseIdleConnections)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		mode, extra := p.mode, append([]string(nil), p.extra...)
		answer, hostileID := p.byID[strings.TrimPrefix(r.URL.Path, "/assets/")]
		p.mu.Unlock()
		switch {
		case r.Method == http.MethodGet && hostileID:
			if to, ok := strings.CutPrefix(answer, "redirect:"); ok {
				http.Redirect(w, r, to, http.StatusTemporaryRedirect)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, answer)
		case r.Method == http.MethodGet && r.URL.Path == "/assets":
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, emu.URL()+r.URL.RequestURI(), nil)
			req.Header.Set("Authorization", r.Header.Get("Authorization"))
			resp, err := client.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			w.Header().Set("Content-Type", "application/json")
			if resp.StatusCode != http.StatusOK {
				w.WriteHeader(resp.StatusCode)
				_, _ = w.Write(body)
				return
			}
			switch mode {
			case "truncated":
				_, _ = w.Write(body[:len(body)/2])
				return
			case "not-json":
				_, _ = io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
				return
			case "items-object":
				_, _ = io.WriteString(w, `{"items":{"id":"x"},"next_cursor":null}`)
				return
			case "items-string":
				_, _ = io.WriteString(w, `{"items":"nope"}`)
				return
			}
			var page struct {
				Items      []json.RawMessage `json:"items"`
				NextCursor json.RawMessage   `json:"next_cursor"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			var items []string
			for _, it := range page.Items {
				items = append(items, string(it))
			}
			if r.URL.Query().Get("cursor") == "" {
				items = append(items, extra...)
			}
			cur := "null"
			if len(page.NextCursor) > 0 {
				cur = string(page.NextCursor)
			}
			_, _ = io.WriteString(w, `{"items":[`+strings.Join(items, ",")+`],"next_cursor":`+cur+`}`)
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *hostileAPI) set(fn func(p *hostileAPI)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

// hostileItem is one raw asset record.
func hostileItem(id, desc, imageURL string, extra ...string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	fields := []string{`"id":` + q(id), `"image_url":` + q(imageURL), `"uploaded_at":"2024-01-02T03:04:05Z"`,
		`"mime_type":"image/png"`}
	if desc != "" {
		fields = append(fields, `"description":`+q(desc))
	}
	fields = append(fields, extra...)
	return "{" + strings.Join(fields, ",") + "}"
}

func TestHostileAPIRecordsNeitherCrashNorEscapeNorBreakOtherEntries(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	good := map[string][]byte{"good-1.png": makePNG(1101, 9, 9), "good 2.wav": makeWAV(1102, 300<<10)}
	for n, d := range good {
		emu.add(d, n)
	}
	pngBytes := makePNG(1103, 7, 7)
	// C: another origin serving real bytes; B: redirects to C; S: redirects
	// to a file:// URL.
	hostC := startFileHost(t, func(h *fileHost, w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "x.png", time.Time{}, bytes.NewReader(pngBytes))
	})
	hostB := startFileHost(t, func(h *fileHost, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, hostC.URL+r.URL.Path, http.StatusFound)
	})
	hostS := startFileHost(t, func(h *fileHost, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "file:///etc/passwd")
		w.WriteHeader(http.StatusFound)
	})
	proxy := startHostileAPI(t, emu)

	uuid := func(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
	img := hostC.URL + "/img.png"
	items := []string{
		// Descriptions.
		hostileItem(uuid(1), "a/b.png", img),
		hostileItem(uuid(2), "../../etc/passwd", img),
		hostileItem(uuid(3), "..", img),
		hostileItem(uuid(4), ".", img),
		hostileItem(uuid(5), "nul\x00byte.png", img),
		hostileItem(uuid(6), "two\nlines.png", img),
		hostileItem(uuid(7), strings.Repeat("x", 64<<10), img),
		hostileItem(uuid(8), "\u202egnp.exe", img),
		hostileItem(uuid(9), ".by-id", img),
		hostileItem(uuid(10), ".kreafs", img),
		// Ids that are not UUIDs.
		hostileItem("../x", "bad id 1.png", img),
		hostileItem("a/b", "bad id 2.png", img),
		hostileItem(strings.Repeat("z", 300), "bad id 3.png", img),
		hostileItem("", "empty id.png", img),
		hostileItem("..", "dotdot id.png", img),
		// Sizes.
		hostileItem(uuid(20), "negative size.png", img, `"size_bytes":-5`),
		hostileItem(uuid(21), "absurd size.png", img, `"size_bytes":1e300`),
		hostileItem(uuid(22), "string size.png", img, `"size_bytes":"12"`),
		hostileItem(uuid(23), "wrong size.png", img, `"size_bytes":3`),
		// image_urls.
		hostileItem(uuid(30), "file url.png", "file:///etc/passwd"),
		hostileItem(uuid(31), "unreachable.png", "http://127.0.0.1:1/x.png"),
		hostileItem(uuid(32), "redirect other origin.png", hostB.URL+"/img.png"),
		hostileItem(uuid(33), "redirect to file.png", hostS.URL+"/img.png"),
		hostileItem(uuid(34), "ftp.png", "ftp://example.com/x.png"),
		hostileItem(uuid(35), "no url.png", ""),
		hostileItem(uuid(36), "not a url.png", "::not a url::"),
		hostileItem(uuid(37), "creds in url.png", strings.Replace(img, "http://", "http://user:secret@", 1)),
		// Wrong shapes.
		`{"id":12345,"image_url":"` + img + `","description":"numeric id.png"}`,
		`{"id":"` + uuid(40) + `","image_url":"` + img + `","description":{"a":1}}`,
		`{"id":"` + uuid(41) + `","image_url":"` + img + `","uploaded_at":"yesterday","description":"bad time.png"}`,
		`"just a string"`,
		`null`,
		`[1,2,3]`,
		`{}`,
	}
	// Invalid UTF-8, raw in the JSON text.
	items = append(items, "{\"id\":\""+uuid(50)+"\",\"image_url\":\""+img+"\",\"description\":\"bad\xff\xfeutf8.png\"}")
	proxy.set(func(p *hostileAPI) {
		p.extra = items
		p.byID[uuid(60)] = "redirect:" + hostC.URL + "/assets/" + uuid(60) // the API redirecting elsewhere
		p.byID[uuid(61)] = `{"id":"` + uuid(61) + `","image_url":"file:///etc/shadow","description":"by id.png"`
	})

	parent := t.TempDir()
	mnt := filepath.Join(parent, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	m := mountWith(t, emu, mountOpts{Dir: mnt, NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL},
		Flags: []string{"--dir-cache-ttl", "1s"}})

	// Listing: every name is one usable file name; the good ones are there.
	began := time.Now()
	ents, err := os.ReadDir(m.Path("assets"))
	if err != nil {
		t.Fatalf("ls assets/ with hostile records: %v", err)
	}
	names := map[string]bool{}
	for _, e := range ents {
		n := e.Name()
		if names[n] {
			t.Errorf("name %q listed twice", n)
		}
		names[n] = true
		if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\x00\n") || len(n) > 255 || !utf8.ValidString(n) {
			t.Errorf("unusable name listed: %q", trunc(n))
		}
	}
	for n := range good {
		if !names[n] {
			t.Errorf("the good asset %s is missing among hostile records", n)
		}
	}
	t.Logf("%d names listed for %d real and %d hostile records (%v)", len(names), len(good), len(items), time.Since(began).Round(time.Millisecond))
	began = time.Now()

	// Reading every listed file: the bytes of C, the good assets' own, or
	// a clean failure; never anything from the local disk, never a hang.
	passwd, _ := os.ReadFile("/etc/passwd")
	for n := range names {
		start := time.Now()
		got, err := os.ReadFile(m.Path("assets", n))
		took := time.Since(start)
		switch {
		case took > stallTimeout+boundSlack:
			t.Errorf("reading %q took %v", trunc(n), took)
		case err != nil:
			t.Logf("read %-40q -> %v", trunc(n), err)
		case len(passwd) > 0 && bytes.Contains(got, passwd[:min(len(passwd), 32)]):
			t.Errorf("reading %q served the local /etc/passwd", trunc(n))
		case good[n] != nil && !bytes.Equal(got, good[n]):
			t.Errorf("the good asset %s reads other bytes among hostile records", n)
		case good[n] == nil && len(got) < len(pngBytes) && bytes.Equal(got, pngBytes[:len(got)]) && len(got) > 0:
			// size_bytes said less ("wrong size", "string size": 3, 12):
			// the first read believes it; the real size wins once the cache
			// knows it (docs/semantics.md).
			if again, err := os.ReadFile(m.Path("assets", n)); err != nil || !bytes.Equal(again, pngBytes) {
				t.Errorf("second read of %q: %v, %d bytes, want the real %d", n, err, len(again), len(pngBytes))
			}
		case good[n] == nil && !bytes.Equal(got, pngBytes):
			t.Errorf("reading %q gave %d unexpected bytes (and no error)", trunc(n), len(got))
		}
		if took > 2*time.Second {
			t.Logf("read %-40q took %v", trunc(n), took.Round(time.Millisecond))
		}
	}
	t.Logf("read every listed file in %v", time.Since(began).Round(time.Millisecond))
	began = time.Now()
	for n, d := range good {
		run(t, "cmp", writeTemp(t, "good", d), m.Path("assets", n))
	}
	// By id: an API answer that redirects to another origin, and one with
	// a file:// image_url.
	if _, err := os.ReadFile(m.Path("assets", ".by-id", uuid(60))); err == nil {
		t.Errorf("a by-id lookup the API redirected to another origin succeeded")
	}
	if _, err := os.ReadFile(m.Path("assets", ".by-id", uuid(61))); err == nil {
		t.Errorf("reading an asset whose image_url is file:// succeeded")
	}
	for _, bad := range []string{"a", "x", strings.Repeat("z", 300)} {
		if _, err := os.Stat(m.Path("assets", ".by-id", bad)); err == nil {
			t.Errorf(".by-id/%s exists", bad)
		}
	}

	t.Logf("by-id lookups in %v", time.Since(began).Round(time.Millisecond))
	began = time.Now()
	// Nothing escaped: the mount's parent holds only the mount point.
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Errorf("the mount point's parent holds %d entries, want only mnt", len(ents))
	}
	// The token stayed with the API's origin.
	for name, h := range map[string]*fileHost{"C": hostC, "B (redirects)": hostB, "S (redirects to file://)": hostS} {
		if l := h.leaks(); len(l) > 0 {
			t.Errorf("host %s received the Authorization header: %v", name, l)
		}
	}
	if hostC.served.Load() == 0 || hostB.served.Load() == 0 {
		t.Errorf("the hostile image_urls were never fetched (C %d, B %d requests)", hostC.served.Load(), hostB.served.Load())
	}

	// Whole answers broken: the last listing stays, with a warning.
	for _, mode := range []string{"truncated", "not-json", "items-object", "items-string"} {
		proxy.set(func(p *hostileAPI) { p.mode = mode })
		time.Sleep(1100 * time.Millisecond)
		lsStart := time.Now()
		ents, err := os.ReadDir(m.Path("assets"))
		t.Logf("ls while GET /assets answers %s: %v", mode, time.Since(lsStart).Round(time.Millisecond))
		if err != nil || len(ents) != len(names) {
			t.Errorf("ls while GET /assets answers %s: %v, %d names, want the last %d", mode, err, len(ents), len(names))
		}
	}
	proxy.set(func(p *hostileAPI) { p.mode = "" })
	t.Logf("broken answers in %v", time.Since(began).Round(time.Millisecond))
	if m.Exited() {
		t.Fatalf("kreafs died")
	}
	logs := m.Stderr()
	for _, want := range []string{"skipping an item that cannot be decoded", "serving the last known listing", "refusing"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q", want)
		}
	}
	if strings.Contains(logs, "secret") {
		t.Errorf("the credentials of an image_url appear in the log")
	}
}

func TestABrokenFirstListingFailsCleanlyAndRecovers(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makePNG(1110, 5, 5)
	emu.add(data, "later.png")
	proxy := startHostileAPI(t, emu)
	proxy.set(func(p *hostileAPI) { p.mode = "not-json" })
	m := mountWith(t, emu, mountOpts{NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL},
		Flags: []string{"--dir-cache-ttl", "1s"}})
	_, stderr, err := runErr(t, "ls", m.Path("assets"))
	if err == nil || !strings.Contains(stderr, "Input/output error") {
		t.Errorf("ls with a first listing that is not JSON: %v %q, want Input/output error", err, stderr)
	}
	proxy.set(func(p *hostileAPI) { p.mode = "" })
	if err := eventually(10*time.Second, func() error {
		got, err := os.ReadFile(m.Path("assets", "later.png"))
		if err == nil && !bytes.Equal(got, data) {
			return fmt.Errorf("other bytes")
		}
		return err
	}); err != nil {
		t.Errorf("after the API answers JSON again: %v", err)
	}
	if !strings.Contains(m.Stderr(), "decoding answer") {
		t.Errorf("no log line saying the answer could not be decoded")
	}
}
