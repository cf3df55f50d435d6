package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// budgetServer answers the first request for /assets/slow with 429 and
// retryAfter, everything else normally, and records when each request
// arrived.
type budgetServer struct {
	*httptest.Server
	mu       sync.Mutex
	arrivals map[string][]time.Time
	limited  chan struct{} // closed when the 429 was sent
}

func newBudgetServer(t *testing.T, retryAfter func() string) *budgetServer {
	s := &budgetServer{arrivals: map[string][]time.Time{}, limited: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.arrivals[r.URL.Path] = append(s.arrivals[r.URL.Path], time.Now())
		first := r.URL.Path == "/assets/slow" && len(s.arrivals[r.URL.Path]) == 1
		s.mu.Unlock()
		switch {
		case first:
			w.Header().Set("Retry-After", retryAfter())
			writeJSON(w, 429, map[string]string{"error": "slow down"})
			close(s.limited)
		case strings.HasPrefix(r.URL.Path, "/files/"):
			io.WriteString(w, "bytes")
		default:
			io.WriteString(w, strings.Replace(assetJSON, `"a1"`, `"x"`, 1))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *budgetServer) at(path string, i int) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.arrivals[path]) {
		return time.Time{}
	}
	return s.arrivals[path][i]
}

// realClient is a client with the real clock and sleeps.
func realClient(t *testing.T, url string) *Client {
	c, err := New(Config{BaseURL: url, Token: testToken, Log: newDiscardLogger(), MaxRetryAfter: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestA429SlowsEveryCallerOfTheClientNotOnlyTheOneThatGotIt(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter func() string
	}{
		{"Retry-After in seconds", func() string { return "1" }},
		{"Retry-After as an HTTP date", func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newBudgetServer(t, tc.retryAfter)
			c := realClient(t, srv.URL)
			ctx := context.Background()
			var wg sync.WaitGroup
			wg.Add(2)
			var errA, errB error
			go func() { // caller A: gets the 429, retries after it
				defer wg.Done()
				_, errA = c.GetAsset(ctx, "slow")
			}()
			<-srv.limited
			limitedAt := time.Now()
			// A's answer is being handled; caller B starts a listing.
			time.Sleep(20 * time.Millisecond)
			go func() {
				defer wg.Done()
				_, errB = c.ListAssets(ctx, 10, "")
			}()
			wg.Wait()
			if errA != nil || errB != nil {
				t.Fatalf("A: %v, B: %v", errA, errB)
			}
			// HTTP dates have whole seconds: "in 2 s" may be 1.0x s away.
			const least = 900 * time.Millisecond
			if d := srv.at("/assets", 0).Sub(limitedAt); d < least {
				t.Errorf("B's request arrived %v after A's 429, want it to wait for Retry-After", d)
			}
			if d := srv.at("/assets/slow", 1).Sub(limitedAt); d < least {
				t.Errorf("A's retry arrived %v after its 429", d)
			}
			// Once the hold has passed, requests go at once.
			t0 := time.Now()
			if _, err := c.GetAsset(ctx, "other"); err != nil || time.Since(t0) > 500*time.Millisecond {
				t.Errorf("a request after the hold: %v after %v", err, time.Since(t0))
			}
		})
	}
}

func TestFileDownloadsDoNotWaitForTheAPIsRateLimit(t *testing.T) {
	srv := newBudgetServer(t, func() string { return "3" })
	c := realClient(t, srv.URL)
	ctx := context.Background()
	go func() { _, _ = c.GetAsset(ctx, "slow") }()
	<-srv.limited
	time.Sleep(20 * time.Millisecond)
	t0 := time.Now()
	d, err := c.Fetch(ctx, srv.URL+"/files/x.png", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, d.Body)
	d.Body.Close()
	if el := time.Since(t0); el > time.Second {
		t.Errorf("a download waited %v for the API's 429", el)
	}
	// ...while an API request does wait.
	ctx2, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := c.ListAssets(ctx2, 1, ""); err == nil {
		t.Errorf("an API request went through during a 3 s hold")
	}
}
