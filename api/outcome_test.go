package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A generation or training POST is sent once: a refusal says nothing
// started, a lost answer says Krea may have it, and neither is retried.
func TestAPaidPostIsRefusedOrLostAndNeverSentTwice(t *testing.T) {
	for _, tc := range []struct {
		name          string
		handler       func(w http.ResponseWriter, r *http.Request)
		timeout       time.Duration
		refused, lost bool
		sentinel      error
	}{
		{"400 invalid body", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, map[string]string{"error": "prompt is required"})
		}, 0, true, false, ErrBadRequest},
		{"402 no credits", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 402, map[string]string{"message": "Insufficient credits"})
		}, 0, true, false, ErrPaymentRequired},
		{"422 validation", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 422, map[string]any{"detail": []map[string]any{{"loc": []string{"body", "prompt"}, "msg": "field required"}}})
		}, 0, true, false, ErrValidation},
		{"429 concurrency limit", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 429, map[string]string{"error": "too many jobs"})
		}, 0, true, false, ErrRateLimited},
		{"500 after reading it", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			writeJSON(w, 500, map[string]string{"error": "oops"})
		}, 0, false, true, ErrServer},
		{"connection reset after the body", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, 0, false, true, nil},
		{"timeout waiting for the answer", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, 200 * time.Millisecond, false, true, context.DeadlineExceeded},
		{"2xx answer that is not a job", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, `{"job_id": 12, "status": [}`)
		}, 0, false, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				tc.handler(w, r)
			}))
			defer srv.Close()
			h := newHarness(t, srv.URL, nil)
			calls := []func(ctx context.Context) error{
				func(ctx context.Context) error {
					_, err := h.Generate(ctx, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "a cat"})
					return err
				},
				func(ctx context.Context) error {
					_, err := h.TrainStyle(ctx, TrainRequest{Name: "Ink", URLs: []string{"https://x/a.png"}})
					return err
				},
			}
			for i, call := range calls {
				ctx := context.Background()
				if tc.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.timeout)
					defer cancel()
				}
				err := call(ctx)
				if err == nil {
					t.Fatalf("call %d succeeded", i)
				}
				if Refused(err) != tc.refused || AnswerLost(err) != tc.lost {
					t.Errorf("call %d: Refused=%v AnswerLost=%v for %v", i, Refused(err), AnswerLost(err), err)
				}
				if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
					t.Errorf("call %d: %v is not %v", i, err, tc.sentinel)
				}
				if got := hits.Load(); got != int32(i+1) {
					t.Fatalf("server got %d requests after %d calls", got, i+1)
				}
			}
		})
	}
}

func TestAPostThatNeverConnectedIsNeitherRefusedNorLost(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	h := newHarness(t, url, func(c *Config) { c.MaxRetries = -1 })
	_, err := h.Generate(context.Background(), "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "a cat"})
	if err == nil || Refused(err) || AnswerLost(err) {
		t.Fatalf("dial failure: %v (Refused=%v AnswerLost=%v)", err, Refused(err), AnswerLost(err))
	}
}
