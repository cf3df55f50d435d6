package api_test

// Uploads whose file is still being written (the upload queue's
// speculative uploads, cache/upload/queue/stream.go): the client sends the
// multipart closing boundary only after the file's io.EOF, and a request
// that ends otherwise (the file fails, the request is cancelled) creates
// nothing on the emulator. The emulator also refuses a body that ends
// cleanly without its closing boundary, as a correct server does.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"sync"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// growingFile hands out data as the test releases it, blocking in Read
// until then, like a file still being written.
type growingFile struct {
	data []byte

	mu       sync.Mutex
	cond     *sync.Cond
	avail    int   // bytes released
	off      int   // bytes read
	eof      bool  // the end may be read
	fail     error // Read returns it
	done     bool  // RequestDone was called
	blocked  chan struct{}
	doneOnce sync.Once
}

func newGrowingFile(data []byte) *growingFile {
	g := &growingFile{data: data, blocked: make(chan struct{}, 100)}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *growingFile) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		switch {
		case g.fail != nil:
			return 0, g.fail
		case g.done:
			return 0, errors.New("request over")
		case g.off < g.avail:
			n := copy(p, g.data[g.off:g.avail])
			g.off += n
			return n, nil
		case g.eof && g.off == len(g.data):
			return 0, io.EOF
		}
		select {
		case g.blocked <- struct{}{}:
		default:
		}
		g.cond.Wait()
	}
}

func (g *growingFile) RequestDone() {
	g.mu.Lock()
	g.done = true
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *growingFile) release(n int, eof bool, fail error) {
	g.mu.Lock()
	g.avail, g.eof, g.fail = n, eof, fail
	g.cond.Broadcast()
	g.mu.Unlock()
}

var _ api.RequestDoner = (*growingFile)(nil)

// plainClient talks to the emulator without the validating transport
// (which reads a request's whole body before sending it).
func plainClient(t *testing.T, srv *emulator.Server) *api.Client {
	t.Helper()
	c, err := api.New(api.Config{BaseURL: srv.URL(), Token: emuToken, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wavBytes(n int) []byte {
	b := make([]byte, n)
	copy(b, "RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x44\xac\x00\x00\x10\xb1\x02\x00\x04\x00\x10\x00data")
	for i := 44; i < n; i++ {
		b[i] = byte(i * 13)
	}
	return b
}

func TestGrowingUploadCreatesAnAssetOnlyAtItsEnd(t *testing.T) {
	data := wavBytes(3 << 20)
	for _, tc := range []struct {
		name string
		end  func(g *growingFile, cancel context.CancelFunc)
		want bool // an asset is created
	}{
		{"file ends", func(g *growingFile, _ context.CancelFunc) { g.release(len(data), true, nil) }, true},
		{"file fails", func(g *growingFile, _ context.CancelFunc) { g.release(2<<20, false, errors.New("given up")) }, false},
		{"request cancelled while waiting for bytes", func(_ *growingFile, cancel context.CancelFunc) { cancel() }, false},
		// All the bytes but not their end: still nothing.
		{"all bytes, then cancelled", func(g *growingFile, cancel context.CancelFunc) {
			g.release(len(data), false, nil)
			<-g.blocked
			cancel()
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := emulator.Start(emulator.Options{Token: emuToken, DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			before := len(srv.Assets())
			c := plainClient(t, srv)
			g := newGrowingFile(data)
			g.release(1<<20, false, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type res struct {
				a   *api.Asset
				err error
			}
			ch := make(chan res, 1)
			go func() {
				a, err := c.UploadAsset(ctx, g, "g.wav", "g.wav")
				ch <- res{a, err}
			}()
			<-g.blocked // the first MiB is sent; the body waits for more
			tc.end(g, cancel)
			r := <-ch
			if tc.want {
				if r.err != nil {
					t.Fatal(r.err)
				}
				if r.a.Size() != int64(len(data)) || srv.UploadCount() != 1 {
					t.Fatalf("asset %+v, %d uploads", r.a, srv.UploadCount())
				}
				return
			}
			if r.err == nil {
				t.Fatalf("unfinished upload succeeded: %+v", r.a)
			}
			if n := len(srv.Assets()); srv.UploadCount() != 0 || n != before {
				t.Fatalf("unfinished upload created something: %d uploads, %d assets (was %d)", srv.UploadCount(), n, before)
			}
			g.mu.Lock()
			done := g.done
			g.mu.Unlock()
			if !done {
				t.Error("RequestDone not called")
			}
		})
	}
}

// A body that ends cleanly (chunked, terminated) but lacks the closing
// boundary is refused: the emulator does not take a truncated file part.
func TestUploadWithoutClosingBoundaryIsRefused(t *testing.T) {
	srv, err := emulator.Start(emulator.Options{Token: emuToken, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	before := len(srv.Assets())
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("description", "cut.wav")
	w, _ := mw.CreateFormFile("file", "cut.wav")
	w.Write(wavBytes(1 << 20)) // no mw.Close(): no closing boundary
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(func() error { _, err := io.Copy(pw, &body); return err }()) }()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/assets", pr) // unknown length: chunked
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+emuToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	if n := len(srv.Assets()); srv.UploadCount() != 0 || n != before {
		t.Errorf("%d uploads, %d assets (was %d)", srv.UploadCount(), n, before)
	}
}
