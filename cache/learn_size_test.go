package cache

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/internal/index"
)

// sizeServer serves objects of the given sizes at /<n> (ranges by
// http.ServeContent, or the whole object when ignoreRange), counting
// requests, their Range headers and new connections.
type sizeServer struct {
	*httptest.Server
	ignoreRange bool
	delay       time.Duration // before each answer (a round trip)
	mu          sync.Mutex
	ranges      []string
	conns       atomic.Int64
}

func newSizeServer(t *testing.T, sizes []int) *sizeServer {
	s := &sizeServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/%d", &n); err != nil || n >= len(sizes) {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		ignore, delay := s.ignoreRange, s.delay
		s.mu.Unlock()
		time.Sleep(delay)
		if ignore {
			r.Header.Del("Range")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(make([]byte, sizes[n])))
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *sizeServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

// apiClient is the real client with its default transport.
func apiClient(t *testing.T) *api.Client {
	c, err := api.New(api.Config{BaseURL: "http://api.invalid", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A size is learned with a request for one byte, and only the size is
// kept: no data file, no cached bytes; reads of the object work as usual.
func TestLearnSizeAsksForOneByteAndKeepsOnlyTheSize(t *testing.T) {
	srv := newSizeServer(t, []int{300_000, 0, 5000})
	dir := t.TempDir()
	s := testStore(t, dir, apiClient(t), nil)
	src := Source{Key: "k0", URL: srv.URL + "/0", Size: -1}
	for range 2 { // the second time from what the first learned
		if n, err := s.LearnSize(t.Context(), src); n != 300_000 || err != nil {
			t.Fatalf("LearnSize: %d, %v; want 300000", n, err)
		}
	}
	if got := srv.requests(); len(got) != 1 || got[0] != "bytes=0-0" {
		t.Errorf("requests (their Range): %q; want one for bytes=0-0", got)
	}
	if n, complete := s.Has("k0"); n != 300_000 || complete {
		t.Errorf("Has: %d, %v; want 300000, false", n, complete)
	}
	if u := s.Usage(); u != 0 {
		t.Errorf("usage %d after learning a size; want 0", u)
	}
	_ = filepath.WalkDir(filepath.Join(dir, index.ObjectsDir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("data file %s after learning a size", p)
		}
		return nil
	})
	r := s.Open(src)
	mustEqual(t, "read after LearnSize", readRange(t, r, 299_990, 100), make([]byte, 10))
	r.Close()

	// An empty object (the server refuses the first byte), and a server
	// that ignores Range (the size from Content-Length).
	if n, err := s.LearnSize(t.Context(), Source{Key: "k1", URL: srv.URL + "/1"}); n != 0 || err != nil {
		t.Errorf("LearnSize of an empty object: %d, %v; want 0", n, err)
	}
	srv.mu.Lock()
	srv.ignoreRange = true
	srv.mu.Unlock()
	if n, err := s.LearnSize(t.Context(), Source{Key: "k2", URL: srv.URL + "/2"}); n != 5000 || err != nil {
		t.Errorf("LearnSize from a server that ignores Range: %d, %v; want 5000", n, err)
	}
	if n, err := s.LearnSize(t.Context(), Source{Key: "k3", URL: srv.URL + "/9"}); n != -1 || err == nil {
		t.Errorf("LearnSize of a missing object: %d, %v; want an error", n, err)
	}
}

// Size probes reuse their connections: one after the other, one
// connection; in bursts of 64 at a time (fs/assets runs that many as each
// page of a listing arrives), about 64 in all, not a new one for most
// probes of each burst (the transport keeps enough idle connections).
func TestSizeProbesReuseTheirConnections(t *testing.T) {
	const bursts, parallel = 8, 64
	sizes := make([]int, 20+bursts*parallel)
	for i := range sizes {
		sizes[i] = 1000 + i
	}
	srv := newSizeServer(t, sizes)
	s := testStore(t, t.TempDir(), apiClient(t), nil)
	learn := func(i int) {
		src := Source{Key: fmt.Sprint("k", i), URL: fmt.Sprintf("%s/%d", srv.URL, i)}
		if n, err := s.LearnSize(t.Context(), src); n != int64(sizes[i]) || err != nil {
			t.Errorf("LearnSize %d: %d, %v", i, n, err)
		}
	}
	for i := range 20 {
		learn(i)
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("20 size probes one after the other opened %d connections; want 1", n)
	}
	srv.mu.Lock()
	srv.delay = 10 * time.Millisecond // a round trip: all of a burst in flight at once
	srv.mu.Unlock()
	for b := range bursts {
		var wg sync.WaitGroup
		for i := range parallel {
			wg.Go(func() { learn(20 + b*parallel + i) })
		}
		wg.Wait()
	}
	if n := srv.conns.Load(); n > parallel+parallel/4 {
		t.Errorf("%d bursts of %d size probes opened %d connections; want about %d", bursts, parallel, n, parallel)
	}
}
