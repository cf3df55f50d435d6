package queue

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// A slow server: the bytes counted for the spool file grow while the body
// streams, stay within the file's size, and the transfer is forgotten when
// the call returns.
func TestProgressCountsTheBodyAsItStreams(t *testing.T) {
	const size = 6 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 256<<10)
		for {
			_, err := r.Body.Read(buf)
			if err != nil {
				break
			}
			time.Sleep(20 * time.Millisecond) // ~12 MiB/s at most
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"a1","image_url":"http://x/a1.png","uploaded_at":"2026-01-01T00:00:00Z"}`)
	}))
	defer srv.Close()
	client, err := api.New(api.Config{BaseURL: srv.URL, Token: "t", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(t.TempDir(), "spool")
	data := append(tinyPNG(1), make([]byte, size)...)
	if err := os.WriteFile(spool, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(spool)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := newProgressTable()
	u := p.wrap(client)
	done := make(chan error, 1)
	go func() {
		body := &spoolBody{f: f, size: int64(len(data)), intent: &intentWrite{done: closedChan()}}
		_, err := u.UploadAsset(context.Background(), body, "big.png", "big.png")
		done <- err
	}()
	var seen []int64
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := p.get(spool); ok {
				t.Error("the transfer is still listed after the upload returned")
			}
			mid := 0
			for i, s := range seen {
				if s < 0 || s > int64(len(data)) || (i > 0 && s < seen[i-1]) {
					t.Fatalf("sent went %v; want growing within [0, %d]", seen, len(data))
				}
				if s > 0 && s < int64(len(data)) {
					mid++
				}
			}
			if mid < 2 {
				t.Fatalf("sent %v: want at least two readings part way", seen)
			}
			return
		case <-time.After(10 * time.Millisecond):
			if tr, ok := p.get(spool); ok {
				seen = append(seen, tr.Sent)
			}
		}
	}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
