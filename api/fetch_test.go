package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fileServer serves content at /f with Range support (http.ServeContent),
// an ETag and Last-Modified; /plain ignores Range.
func fileServer(t *testing.T, content []byte, ranges *[]string) *httptest.Server {
	mod := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("file host got Authorization")
		}
		if ranges != nil {
			*ranges = append(*ranges, r.Header.Get("Range"))
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("ETag", `"v1"`)
		switch r.URL.Path {
		case "/f":
			http.ServeContent(w, r, "", mod, bytes.NewReader(content))
		case "/plain":
			w.Header().Set("Content-Length", "1000")
			w.Write(content[:1000])
		case "/nolength":
			w.(http.Flusher).Flush() // chunked: no Content-Length
			w.Write(content[:1000])
		}
	}))
}

func TestFetchRanges(t *testing.T) {
	content := pngBytes(1000)
	var ranges []string
	srv := fileServer(t, content, &ranges)
	defer srv.Close()
	h := newHarness(t, "http://127.0.0.1:1", nil)
	for _, tc := range []struct {
		name                 string
		path                 string
		off, length          int64
		wantRange            string
		wantFrom, wantTo     int // expected bytes content[from:to]
		wantLength, wantSize int64
	}{
		{"whole", "/f", 0, -1, "", 0, 1000, 1000, 1000},
		{"prefix", "/f", 0, 100, "bytes=0-99", 0, 100, 100, 1000},
		{"middle", "/f", 10, 20, "bytes=10-29", 10, 30, 20, 1000},
		{"to the end", "/f", 990, -1, "bytes=990-", 990, 1000, 10, 1000},
		{"past the end", "/f", 995, 100, "bytes=995-1094", 995, 1000, 5, 1000},
		{"range ignored", "/plain", 900, 50, "bytes=900-949", 900, 950, 50, 1000},
		{"range ignored, to the end", "/plain", 900, -1, "bytes=900-", 900, 1000, 100, 1000},
		{"range ignored, from 0", "/plain", 0, 10, "bytes=0-9", 0, 10, 10, 1000},
		{"no length, limited", "/nolength", 0, 10, "bytes=0-9", 0, 10, -1, -1},
		{"no length, skip", "/nolength", 10, -1, "bytes=10-", 10, 1000, -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ranges = nil
			d, err := h.Fetch(context.Background(), srv.URL+tc.path, tc.off, tc.length)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Body.Close()
			got, err := io.ReadAll(d.Body)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, content[tc.wantFrom:tc.wantTo]) {
				t.Errorf("got %d bytes, want content[%d:%d]", len(got), tc.wantFrom, tc.wantTo)
			}
			if d.Offset != tc.off || d.Length != tc.wantLength || d.Size != tc.wantSize {
				t.Errorf("Offset %d Length %d Size %d", d.Offset, d.Length, d.Size)
			}
			if d.ContentType != "image/png" || d.ETag != `"v1"` {
				t.Errorf("headers: %q %q", d.ContentType, d.ETag)
			}
			if tc.path == "/f" && !d.LastModified.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Errorf("LastModified %v", d.LastModified)
			}
			if len(ranges) != 1 || ranges[0] != tc.wantRange {
				t.Errorf("Range headers sent: %q", ranges)
			}
		})
	}
}

func TestFetchRangeNotSatisfiable(t *testing.T) {
	content := pngBytes(1000)
	srv := fileServer(t, content, nil)
	defer srv.Close()
	h := newHarness(t, "http://127.0.0.1:1", nil)
	for _, path := range []string{"/f", "/plain", "/nolength"} {
		_, err := h.Fetch(context.Background(), srv.URL+path, 1000, 10)
		if !errors.Is(err, ErrRangeNotSatisfiable) {
			t.Errorf("%s: err = %v", path, err)
		}
	}
}

func TestFetchRefusesOtherSchemes(t *testing.T) {
	h := newHarness(t, "http://127.0.0.1:1", nil)
	for _, u := range []string{"file:///etc/passwd", "ftp://x/y", "gopher://x", "/relative", "javascript:alert(1)", "http:///nohost", "::"} {
		if _, err := h.Fetch(context.Background(), u, 0, -1); err == nil || Temporary(err) {
			t.Errorf("Fetch(%q): err %v, want a permanent refusal", u, err)
		}
	}
	if _, err := h.Fetch(context.Background(), "http://x/", -1, 1); err == nil {
		t.Error("negative offset accepted")
	}
	if _, err := h.Fetch(context.Background(), "http://x/", 0, 0); err == nil {
		t.Error("zero length accepted")
	}
}

func TestFetchBadContentRange(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "bytes 0-9/100") // not what was asked
		w.WriteHeader(http.StatusPartialContent)
		w.Write(make([]byte, 10))
	}))
	defer srv.Close()
	h := newHarness(t, "http://127.0.0.1:1", nil)
	if _, err := h.Fetch(context.Background(), srv.URL, 50, 10); err == nil || !strings.Contains(err.Error(), "Content-Range") {
		t.Errorf("err = %v", err)
	}
}

func TestParseContentRange(t *testing.T) {
	for _, tc := range []struct {
		in                string
		first, last, size int64
		ok                bool
	}{
		{"bytes 0-99/1000", 0, 99, 1000, true},
		{"bytes 10-10/*", 10, 10, -1, true},
		{" bytes 5-9/10 ", 5, 9, 10, true},
		{"bytes 5-9/9", 0, 0, 0, false}, // size must exceed last
		{"bytes 9-5/10", 0, 0, 0, false},
		{"bytes */1000", 0, 0, 0, false},
		{"bytes -5-9/10", 0, 0, 0, false},
		{"items 0-1/2", 0, 0, 0, false},
		{"bytes 0-1", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	} {
		f, l, s, ok := parseContentRange(tc.in)
		if f != tc.first || l != tc.last || s != tc.size || ok != tc.ok {
			t.Errorf("parseContentRange(%q) = %d %d %d %v", tc.in, f, l, s, ok)
		}
	}
}

func TestFetchRetriesBeforeHeaders(t *testing.T) {
	var hits atomic.Int32
	content := pngBytes(100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content))
	}))
	defer srv.Close()
	h := newHarness(t, "http://127.0.0.1:1", nil)
	d, err := h.Fetch(context.Background(), srv.URL, 50, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if !bytes.Equal(got, content[50:]) || hits.Load() != 3 || len(h.slept()) != 2 {
		t.Errorf("%d bytes after %d hits", len(got), hits.Load())
	}
}

// stallServer sends the headers and the first 10 of 100 bytes, then
// nothing until the test ends.
func stallServer(t *testing.T) (*httptest.Server, chan struct{}) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write(make([]byte, 10))
		w.(http.Flusher).Flush()
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	return srv, done
}

func TestFetchStallTimeout(t *testing.T) {
	srv, done := stallServer(t)
	defer srv.Close()
	defer close(done)
	h := newHarness(t, "http://127.0.0.1:1", func(c *Config) { c.StallTimeout = 50 * time.Millisecond })
	d, err := h.Fetch(context.Background(), srv.URL, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Body.Close()
	// A slow consumer is not a stall: only time spent waiting inside Read counts.
	time.Sleep(120 * time.Millisecond)
	n, err := io.ReadFull(d.Body, make([]byte, 100))
	if n != 10 || !errors.Is(err, ErrStalled) {
		t.Fatalf("read %d bytes, err %v; want 10 then ErrStalled", n, err)
	}
	if !Temporary(err) {
		t.Error("a stall is not Temporary")
	}
}

func TestFetchBodyHonoursContext(t *testing.T) {
	srv, done := stallServer(t)
	defer srv.Close()
	defer close(done)
	h := newHarness(t, "http://127.0.0.1:1", nil)
	ctx, cancel := context.WithCancel(context.Background())
	d, err := h.Fetch(ctx, srv.URL, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Body.Close()
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = io.ReadAll(d.Body)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestFetchCutBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write(make([]byte, 40))
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	h := newHarness(t, "http://127.0.0.1:1", nil)
	d, err := h.Fetch(context.Background(), srv.URL, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Body.Close()
	got, err := io.ReadAll(d.Body)
	if len(got) != 40 || !errors.Is(err, io.ErrUnexpectedEOF) || !Temporary(err) {
		t.Errorf("read %d, err %v", len(got), err)
	}
}

// A 206 whose body is shorter than its Content-Range says is cut, even
// when the transport sees a clean end (chunked encoding).
func TestFetchShortPartialBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "bytes 0-99/100")
		w.WriteHeader(http.StatusPartialContent)
		w.(http.Flusher).Flush()
		w.Write(make([]byte, 60))
	}))
	defer srv.Close()
	h := newHarness(t, "http://127.0.0.1:1", nil)
	d, err := h.Fetch(context.Background(), srv.URL, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Body.Close()
	got, err := io.ReadAll(d.Body)
	if len(got) != 60 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read %d, err %v", len(got), err)
	}
}
