package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
)

// pngBytes returns n bytes that start like a PNG file.
func pngBytes(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	for i := 33; i < n; i++ {
		b[i] = byte(i * 7)
	}
	return b
}

// received is what an upload handler saw.
type received struct {
	filename, ctype, description string
	sum                          [32]byte
	n                            int64
	contentLength                int64
	bodyLen                      int64
}

// uploadServer parses each POST /assets as multipart and answers an asset.
func uploadServer(t *testing.T, got chan<- received) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/assets" {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		var rc received
		rc.contentLength = r.ContentLength
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Errorf("content type: %v", err)
			return
		}
		counted := &countingReader{r: r.Body}
		mr := multipart.NewReader(counted, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("multipart: %v", err)
				return
			}
			switch p.FormName() {
			case "description":
				b, _ := io.ReadAll(p)
				rc.description = string(b)
			case "file":
				rc.filename = p.FileName()
				rc.ctype = p.Header.Get("Content-Type")
				h := sha256.New()
				rc.n, _ = io.Copy(h, p)
				copy(rc.sum[:], h.Sum(nil))
			default:
				t.Errorf("unexpected part %q", p.FormName())
			}
		}
		io.Copy(io.Discard, counted)
		rc.bodyLen = counted.n
		got <- rc
		io.WriteString(w, `{"id":"new","image_url":"https://f/new","uploaded_at":"2025-01-01T00:00:00Z","width":null,"height":null,"size_bytes":null,"mime_type":null}`)
	}))
}

func TestUploadMultipart(t *testing.T) {
	got := make(chan received, 10)
	srv := uploadServer(t, got)
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	ctx := context.Background()
	data := pngBytes(100_000)

	path := filepath.Join(t.TempDir(), "pic.png")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	for _, tc := range []struct {
		name      string
		r         io.Reader
		filename  string
		desc      string
		wantName  string
		knownSize bool
	}{
		{"os.File", f, "pic.png", "a \"quoted\"\r\ndescription", "pic.png", true},
		{"bytes.Reader", bytes.NewReader(data), `we"ird\name.png`, "", `name.png`, true},
		{"plain reader", io.MultiReader(bytes.NewReader(data)), "bad\r\nX-Evil: 1", "", "bad__X-Evil: 1", false},
		{"no name", io.MultiReader(bytes.NewReader(data)), "", "", "upload.png", false},
		{"tiny", bytes.NewReader(data[:40]), "t.png", "", "t.png", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := data
			if tc.name == "tiny" {
				want = data[:40]
			}
			a, err := h.UploadAsset(ctx, tc.r, tc.filename, tc.desc)
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != "new" || a.Size() != -1 {
				t.Errorf("asset %+v", a)
			}
			rc := <-got
			if rc.filename != tc.wantName || rc.ctype != "image/png" || rc.description != tc.desc {
				t.Errorf("part: name %q type %q desc %q", rc.filename, rc.ctype, rc.description)
			}
			if rc.n != int64(len(want)) || rc.sum != sha256.Sum256(want) {
				t.Errorf("content differs: %d bytes", rc.n)
			}
			if tc.knownSize && rc.contentLength != rc.bodyLen {
				t.Errorf("Content-Length %d, body %d", rc.contentLength, rc.bodyLen)
			}
			if !tc.knownSize && rc.contentLength != -1 {
				t.Errorf("Content-Length %d for a reader of unknown size", rc.contentLength)
			}
		})
	}
}

// patternReader yields n PNG-looking bytes without holding them; after
// pause bytes it waits until release is closed.
type patternReader struct {
	n, off  int64
	pause   int64
	paused  chan struct{}
	release chan struct{}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if p.pause > 0 && p.off >= p.pause {
		close(p.paused)
		<-p.release
		p.pause = 0
	}
	if int64(len(b)) > p.n-p.off {
		b = b[:p.n-p.off]
	}
	if p.pause > 0 && int64(len(b)) > p.pause-p.off {
		b = b[:p.pause-p.off]
	}
	head := pngBytes(64)
	for i := range b {
		if o := p.off + int64(i); o < 64 {
			b[i] = head[o]
		} else {
			b[i] = byte(o % 251)
		}
	}
	p.off += int64(len(b))
	return len(b), nil
}

// A 20 MB upload streams: the server receives the first megabytes while
// the reader has not produced the rest, and the client allocates far less
// than the file's size.
func TestUploadStreams(t *testing.T) {
	const size = 20 << 20
	var serverGot atomic.Int64
	firstMB := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 32<<10)
		signalled := false
		for {
			n, err := r.Body.Read(buf)
			if serverGot.Add(int64(n)) >= 1<<20 && !signalled {
				close(firstMB)
				signalled = true
			}
			if err != nil {
				break
			}
		}
		io.WriteString(w, `{"id":"big","image_url":"https://f/big","uploaded_at":"2025-01-01T00:00:00Z"}`)
	}))
	defer srv.Close()
	h := newHarness(t, srv.URL, nil)
	src := &patternReader{n: size, pause: 2 << 20, paused: make(chan struct{}), release: make(chan struct{})}
	go func() {
		<-src.paused // the reader is stuck at 2 MB of 20 ...
		<-firstMB    // ... and the server has 1 MB already
		close(src.release)
	}()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a, err := h.UploadAsset(context.Background(), src, "big.png", "")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "big" || serverGot.Load() < size {
		t.Errorf("asset %q, server got %d bytes", a.ID, serverGot.Load())
	}
	// Allocations of the whole process (client and test server) during a
	// 20 MB upload stay far below 20 MB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 6<<20 {
		t.Errorf("upload allocated %d bytes", alloc)
	}
}

// rewindTransport reads part of the first request's body, then fails as a
// connection refused would: nothing reached a server, but bytes were read.
type rewindTransport struct {
	base  http.RoundTripper
	calls atomic.Int32
}

func (rt *rewindTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if rt.calls.Add(1) == 1 {
		io.CopyN(io.Discard, r.Body, 8000)
		r.Body.Close()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return rt.base.RoundTrip(r)
}

func TestUploadRetryNeedsRewindableReader(t *testing.T) {
	got := make(chan received, 10)
	srv := uploadServer(t, got)
	defer srv.Close()
	data := pngBytes(50_000)
	ctx := context.Background()

	t.Run("seekable", func(t *testing.T) {
		rt := &rewindTransport{base: http.DefaultTransport}
		h := newHarness(t, srv.URL, func(c *Config) { c.HTTPClient = &http.Client{Transport: rt} })
		r := bytes.NewReader(append([]byte("junk before"), data...))
		r.Seek(int64(len("junk before")), io.SeekStart) // uploads start at the current offset
		if _, err := h.UploadAsset(ctx, r, "a.png", ""); err != nil {
			t.Fatal(err)
		}
		rc := <-got
		if rc.sum != sha256.Sum256(data) || rt.calls.Load() != 2 {
			t.Errorf("after %d calls, server got %d bytes, wrong content", rt.calls.Load(), rc.n)
		}
	})
	t.Run("not seekable", func(t *testing.T) {
		rt := &rewindTransport{base: http.DefaultTransport}
		h := newHarness(t, srv.URL, func(c *Config) { c.HTTPClient = &http.Client{Transport: rt} })
		_, err := h.UploadAsset(ctx, io.MultiReader(bytes.NewReader(data)), "a.png", "")
		var op *net.OpError
		if !errors.As(err, &op) || rt.calls.Load() != 1 {
			t.Errorf("err %v after %d calls, want the dial error after 1", err, rt.calls.Load())
		}
	})
	t.Run("not seekable, nothing read yet", func(t *testing.T) {
		hc, dials := failingDialer(1)
		h := newHarness(t, srv.URL, func(c *Config) { c.HTTPClient = hc })
		if _, err := h.UploadAsset(ctx, io.MultiReader(bytes.NewReader(data)), "a.png", ""); err != nil {
			t.Fatal(err)
		}
		if rc := <-got; rc.sum != sha256.Sum256(data) || dials.Load() != 2 {
			t.Errorf("content or dials (%d) wrong", dials.Load())
		}
	})
}

func TestUploadReadError(t *testing.T) {
	h := newHarness(t, "http://127.0.0.1:1", nil)
	boom := errors.New("disk on fire")
	_, err := h.UploadAsset(context.Background(), io.MultiReader(&errReader{boom}), "a.png", "")
	if !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

func TestUploadFilename(t *testing.T) {
	for _, tc := range []struct{ in, mime, want string }{
		{"a.png", "image/png", "a.png"},
		{"dir/sub/a.png", "image/png", "a.png"},
		{`c:\x\a.png`, "image/png", "a.png"},
		{"", "video/mp4", "upload.mp4"},
		{"..", "image/jpeg", "upload.jpg"},
		{"a\x00b\nc.png", "image/png", "a_b_c.png"},
		{"\xff\xfe.png", "image/png", "_.png"},
		{"日本.webp", "image/webp", "日本.webp"},
	} {
		if got := uploadFilename(tc.in, tc.mime); got != tc.want {
			t.Errorf("uploadFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
