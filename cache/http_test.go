package cache

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

var _ Fetcher = (*api.Client)(nil)

// The store against the real client and a real HTTP file server (ranges by
// http.ServeContent): sequential, random and concurrent reads, one request
// for the sequential read.
func TestWithAPIClientOverHTTP(t *testing.T) {
	f := newFake()
	_, data := f.add("http", 3<<20+12345)
	var mu sync.Mutex
	var ranges []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		mu.Unlock()
		http.ServeContent(w, r, "x.bin", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	c, err := api.New(api.Config{BaseURL: "http://api.invalid", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	s := testStore(t, t.TempDir(), c, func(o *Options) { o.ReadAhead = 1 << 20 })
	src := Source{Key: "http", URL: srv.URL + "/x.bin", Size: -1}

	r := s.Open(src)
	mustEqual(t, "tail", readRange(t, r, int64(len(data))-100, 1000), data[len(data)-100:])
	r.Close()

	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Open(src)
			defer r.Close()
			mustEqual(t, "whole", readAll(t, r, 128<<10), data)
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("ranges: %q", ranges)
	// The tail; then the growing windows of the first reader (128 KiB
	// doubling, up to 3 of them below 1 MiB), the other readers sharing
	// them; then one open-ended request once the window reached ReadAhead.
	open := 0
	for _, r := range ranges {
		if strings.HasSuffix(r, "-") {
			open++
		}
	}
	if len(ranges) > 5 || open != 1 {
		t.Errorf("requests with ranges %q: want the tail, a few growing windows, then one open-ended read", strings.Join(ranges, ", "))
	}
	if size, complete := s.Has("http"); size != int64(len(data)) || !complete {
		t.Errorf("Has = %d, %v", size, complete)
	}
}
