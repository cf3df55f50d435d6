package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"testing"
	"time"
)

func TestBackoffCeiling(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, max: time.Second}
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{60, time.Second}, // no overflow
	} {
		if got := b.ceiling(tc.n); got != tc.want {
			t.Errorf("ceiling(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestBackoffDelayBounds(t *testing.T) {
	b := backoff{base: 10 * time.Millisecond, max: 80 * time.Millisecond}
	for n := 1; n <= 8; n++ {
		ceil := b.ceiling(n)
		for i := 0; i < 200; i++ {
			if d := b.delay(n); d < 0 || d >= ceil {
				t.Fatalf("delay(%d) = %v, outside [0, %v)", n, d, ceil)
			}
		}
	}
	// Full jitter uses the whole interval: extremes of the random source
	// map to 0 and just under the ceiling.
	lo := backoff{base: 10 * time.Millisecond, max: time.Second, rand: func(int64) int64 { return 0 }}
	hi := backoff{base: 10 * time.Millisecond, max: time.Second, rand: func(n int64) int64 { return n - 1 }}
	if lo.delay(3) != 0 || hi.delay(3) != 40*time.Millisecond-1 {
		t.Errorf("jitter extremes: %v, %v", lo.delay(3), hi.delay(3))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999", 24 * time.Hour, true}, // clamped, no overflow
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true}, // in the past
		{"Saturday, 01-Mar-25 12:01:00 GMT", time.Minute, true},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRetryable(t *testing.T) {
	c := &Client{}
	get := &request{method: "GET", idempotent: true}
	post := &request{method: "POST"}
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	for _, tc := range []struct {
		name    string
		r       *request
		err     error
		reached bool
		want    bool
	}{
		{"GET 503", get, &Error{Status: 503}, true, true},
		{"GET 500", get, &Error{Status: 500}, true, true},
		{"GET 429", get, &Error{Status: 429}, true, true},
		{"GET 404", get, &Error{Status: 404}, true, false},
		{"GET 401", get, &Error{Status: 401}, true, false},
		{"GET reset", get, reset, true, true},
		{"GET EOF", get, io.ErrUnexpectedEOF, true, true},
		{"GET cancelled", get, &url.Error{Op: "Get", URL: "u", Err: context.Canceled}, true, false},
		{"GET deadline", get, fmt.Errorf("x: %w", context.DeadlineExceeded), false, false},
		{"GET redirect refused", get, &url.Error{Op: "Get", URL: "u", Err: fmt.Errorf("%w: file", errRedirect)}, true, false},
		{"GET permanent", get, &permanentError{errors.New("too big")}, true, false},
		{"POST 503", post, &Error{Status: 503}, true, false},
		{"POST 429", post, &Error{Status: 429}, true, false},
		{"POST reset after connect", post, reset, true, false},
		{"POST no connection", post, reset, false, true},
		{"POST dial error", post, dial, true, true},
		{"POST not replayable", post, errNotReplayable, false, false},
		{"POST cancelled before connect", post, &url.Error{Op: "Post", URL: "u", Err: context.Canceled}, false, false},
	} {
		if got := c.retryable(tc.r, tc.err, tc.reached); got != tc.want {
			t.Errorf("%s: retryable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSleepCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleepCtx on cancelled ctx = %v", err)
	}
	if err := sleepCtx(context.Background(), time.Microsecond); err != nil {
		t.Fatal(err)
	}
}
