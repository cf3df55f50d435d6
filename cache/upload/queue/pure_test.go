package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/journal"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		n      int
		jitter float64
		want   time.Duration
	}{
		{1, 1, time.Second},
		{2, 1, 2 * time.Second},
		{3, 1, 4 * time.Second},
		{4, 1, 8 * time.Second},
		{7, 1, 10 * time.Second}, // capped
		{1, 0.5, 500 * time.Millisecond},
		{3, 1.49, 5960 * time.Millisecond},
		{4, 1.49, 10 * time.Second}, // capped after jitter
		{100, 1, 10 * time.Second},  // no overflow
	} {
		if got := backoff(tc.n, time.Second, 10*time.Second, tc.jitter); got != tc.want {
			t.Errorf("backoff(%d, x%v) = %v, want %v", tc.n, tc.jitter, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	apiErr := func(status int) error { return &api.Error{Status: status, Message: "m"} }
	for _, tc := range []struct {
		err      error
		stopping bool
		want     outcome
	}{
		{nil, false, outcomeOK},
		{nil, true, outcomeOK},
		{apiErr(400), false, outcomeFail},
		{apiErr(401), false, outcomeFail},
		{apiErr(402), false, outcomeFail},
		{apiErr(413), false, outcomeFail},
		{fmt.Errorf("wrapped: %w", apiErr(400)), false, outcomeFail},
		{apiErr(429), false, outcomeRetry},
		{apiErr(500), false, outcomeRetry},
		{apiErr(503), false, outcomeRetry},
		{errConnReset, false, outcomeRetry},
		{context.DeadlineExceeded, false, outcomeRetry}, // a client timeout, not ours
		{context.Canceled, true, outcomeStop},
		{apiErr(400), true, outcomeStop},
	} {
		if got := classify(tc.err, tc.stopping); got != tc.want {
			t.Errorf("classify(%v, stopping=%v) = %v, want %v", tc.err, tc.stopping, got, tc.want)
		}
	}
}

func TestStateStringsAndVisibility(t *testing.T) {
	for _, tc := range []struct {
		s       State
		name    string
		visible bool
	}{
		{Writing, "writing", true}, {Held, "held", true}, {Pending, "pending", true},
		{Uploading, "uploading", true}, {Failed, "failed", true},
		{Uploaded, "uploaded", false}, {Canceled, "canceled", false}, {State(42), "state(42)", false},
	} {
		if tc.s.String() != tc.name || tc.s.Visible() != tc.visible {
			t.Errorf("%d: %q %v", int(tc.s), tc.s.String(), tc.s.Visible())
		}
	}
}

func TestRecordFailureRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		err  error
		is   error
		text string
	}{
		{&api.Error{Status: 413, Message: "too big", Op: "POST /assets"}, api.ErrTooLarge, "too big"},
		{ErrInterrupted, ErrInterrupted, "interrupted"},
		{ErrSpoolLost, ErrSpoolLost, "spool"},
		{errors.New("odd"), nil, "odd"},
	} {
		var r record
		r.Name = "x.png"
		setFailure(&r, tc.err)
		got := recordFailure(&r)
		var ue *UploadError
		if !errors.As(got, &ue) || !ue.Permanent || (tc.is != nil && !errors.Is(got, tc.is)) ||
			!strings.Contains(got.Error(), tc.text) || !strings.Contains(got.Error(), `"x.png"`) {
			t.Errorf("%v -> %v", tc.err, got)
		}
	}
}

func TestReadRecordRejectsBadRecords(t *testing.T) {
	id := journal.NewID()
	for _, body := range []string{
		``, `{`, `[]`,
		`{"v":2,"id":"` + id + `","state":"pending"}`,
		`{"v":1,"id":"../../etc","state":"pending"}`,
		`{"v":1,"id":"` + id + `","state":"exploded"}`,
		`{"v":1,"id":"` + id + `","state":"uploaded"}`,
		`{"v":1,"id":"` + id + `","gen":-1,"state":"pending"}`,
	} {
		if _, err := journal.DecodeRecord([]byte(body)); err == nil {
			t.Errorf("accepted %q", body)
		}
	}
}
