package cache

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// BenchmarkColdSequential compares a cold sequential read through the store
// (128 KiB reads, like FUSE) with one plain GET of the same URL, both with
// the real client against an in-process HTTP server. "fetchonly" is the
// store's download alone (Ensure of the whole object).
func BenchmarkColdSequential(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<20) // 64 MiB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "x", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	c, _ := api.New(api.Config{BaseURL: "http://x.invalid"})
	b.Run("direct", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			d, err := c.Fetch(context.Background(), srv.URL, 0, -1)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, d.Body)
			d.Body.Close()
		}
	})
	b.Run("store", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		s, _ := Open(Options{Dir: b.TempDir(), Fetcher: c})
		defer s.Close()
		buf := make([]byte, 128<<10)
		for i := 0; i < b.N; i++ {
			key := string(rune('a'+i%26)) + string(rune('a'+i/26))
			r := s.Open(Source{Key: key, URL: srv.URL, Size: int64(len(data))})
			for off := int64(0); ; off += int64(len(buf)) {
				_, err := r.ReadAt(context.Background(), buf, off)
				if err != nil {
					break
				}
			}
			r.Close()
			s.Remove(key)
		}
	})
	b.Run("fetchonly", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		s, _ := Open(Options{Dir: b.TempDir(), Fetcher: c})
		defer s.Close()
		for i := 0; i < b.N; i++ {
			key := string(rune('a'+i%26)) + string(rune('a'+i/26))
			r := s.Open(Source{Key: key, URL: srv.URL, Size: int64(len(data))})
			r.Ensure(context.Background(), 0, len(data))
			r.Close()
			s.Remove(key)
		}
	})
}
