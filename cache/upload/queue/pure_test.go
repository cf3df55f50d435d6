package queue

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
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

func TestMatchUpload(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	size := func(n float64) *float64 { return &n }
	asset := func(id, name string, sz *float64, at time.Time) api.Asset {
		return api.Asset{ID: id, Description: name, SizeBytes: sz, UploadedAt: at}
	}
	hosted := func(id, name string, sz *float64, at time.Time) api.Asset {
		a := asset(id, "", sz, at)
		a.ImageURL = "https://app-uploads.krea.ai/3f0c8a1e-2b4d-4c6e-8f00-112233445566/1733370000123-" + url.PathEscape(name)
		return a
	}
	in := &intent{Started: t0, Name: "a.png", Size: 10}
	for _, tc := range []struct {
		name    string
		assets  []api.Asset
		exclude map[string]bool
		want    string
	}{
		{"none", nil, nil, ""},
		{"exact", []api.Asset{asset("1", "a.png", size(10), t0.Add(time.Second))}, nil, "1"},
		{"other name", []api.Asset{asset("1", "b.png", size(10), t0.Add(time.Second))}, nil, ""},
		{"other size", []api.Asset{asset("1", "a.png", size(11), t0.Add(time.Second))}, nil, ""},
		{"size unknown", []api.Asset{asset("1", "a.png", nil, t0.Add(time.Second))}, nil, "1"},
		{"within skew before start", []api.Asset{asset("1", "a.png", size(10), t0.Add(-time.Minute))}, nil, "1"},
		{"older than skew", []api.Asset{asset("1", "a.png", size(10), t0.Add(-3*time.Minute))}, nil, ""},
		{"excluded (replaced or claimed)", []api.Asset{asset("1", "a.png", size(10), t0.Add(time.Second))}, map[string]bool{"1": true}, ""},
		{"earliest at/after start wins", []api.Asset{
			asset("late", "a.png", size(10), t0.Add(time.Hour)),
			asset("early", "a.png", size(10), t0.Add(time.Second)),
			asset("before", "a.png", size(10), t0.Add(-time.Second)),
		}, nil, "early"},
		{"latest before start if none after", []api.Asset{
			asset("b1", "a.png", size(10), t0.Add(-90*time.Second)),
			asset("b2", "a.png", size(10), t0.Add(-10*time.Second)),
		}, nil, "b2"},
		// Krea may not echo the description.
		{"no description: hosted URL carries the name", []api.Asset{hosted("1", "a.png", size(10), t0.Add(time.Second))}, nil, "1"},
		{"no description: hosted name and size unknown", []api.Asset{hosted("1", "a.png", nil, t0.Add(time.Second))}, nil, "1"},
		{"no description: hosted URL carries another name", []api.Asset{hosted("1", "b.png", size(10), t0.Add(time.Second))}, nil, ""},
		{"no description: hosted name, other size", []api.Asset{hosted("1", "a.png", size(11), t0.Add(time.Second))}, nil, ""},
		{"no name at all: the size ties it", []api.Asset{asset("1", "", size(10), t0.Add(time.Second))}, nil, "1"},
		{"no name at all: other size", []api.Asset{asset("1", "", size(11), t0.Add(time.Second))}, nil, ""},
		{"no name and no size: nothing ties it", []api.Asset{asset("1", "", nil, t0.Add(time.Second))}, nil, ""},
		{"no name at all: older than skew", []api.Asset{asset("1", "", size(10), t0.Add(-3*time.Minute))}, nil, ""},
		{"a named asset beats a closer unnamed one", []api.Asset{
			asset("unnamed", "", size(10), t0.Add(time.Second)),
			hosted("named", "a.png", size(10), t0.Add(time.Minute)),
		}, nil, "named"},
		{"another description is not ours even without a size", []api.Asset{asset("1", "b.png", nil, t0.Add(time.Second))}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := matchUpload(tc.assets, in, tc.exclude, 2*time.Minute)
			id := ""
			if got != nil {
				id = got.ID
			}
			if id != tc.want {
				t.Fatalf("match = %q, want %q", id, tc.want)
			}
		})
	}
}

func TestListerSharesOneListingAmongWaiters(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	release := make(chan struct{})
	l := &lister{fetch: func(ctx context.Context) ([]api.Asset, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release
		return []api.Asset{{ID: "x"}}, nil
	}}
	mark := l.mark()
	var wg sync.WaitGroup
	started := make(chan struct{}, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started <- struct{}{}
			if as, err := l.since(context.Background(), mark); err != nil || len(as) != 1 {
				t.Errorf("since = %v, %v", as, err)
			}
		}()
	}
	for i := 0; i < 10; i++ {
		<-started
	}
	close(release)
	wg.Wait()
	// A listing started after the mark is reused; a later mark forces a new one.
	if _, err := l.since(context.Background(), mark); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	first := calls
	mu.Unlock()
	if first != 1 {
		t.Fatalf("first round calls = %d", first)
	}
	if _, err := l.since(context.Background(), l.mark()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Fatalf("calls = %d after a newer mark", calls)
	}
}

func TestListerDoesNotReuseAListingStartedBeforeTheMark(t *testing.T) {
	inFetch := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	calls := 0
	l := &lister{fetch: func(ctx context.Context) ([]api.Asset, error) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			close(inFetch)
			<-release
		}
		return nil, nil
	}}
	go l.since(context.Background(), 0) // a listing in flight...
	<-inFetch
	mark := l.mark() // ...when an upload fails ambiguously
	done := make(chan struct{})
	go func() {
		l.since(context.Background(), mark)
		close(done)
	}()
	close(release)
	<-done
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Fatalf("calls = %d: the failure was checked against a listing that began before it", calls)
	}
}

func TestListerErrorIsReturnedNotCached(t *testing.T) {
	fail := true
	l := &lister{fetch: func(ctx context.Context) ([]api.Asset, error) {
		if fail {
			return nil, errors.New("down")
		}
		return nil, nil
	}}
	if _, err := l.since(context.Background(), 0); err == nil {
		t.Fatal("want error")
	}
	fail = false
	if _, err := l.since(context.Background(), 0); err != nil {
		t.Fatal(err)
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
		r.setFailure(tc.err)
		got := r.failure()
		var ue *UploadError
		if !errors.As(got, &ue) || !ue.Permanent || (tc.is != nil && !errors.Is(got, tc.is)) ||
			!strings.Contains(got.Error(), tc.text) || !strings.Contains(got.Error(), `"x.png"`) {
			t.Errorf("%v -> %v", tc.err, got)
		}
	}
}

func TestReadRecordRejectsBadRecords(t *testing.T) {
	dir := t.TempDir()
	l, err := newLayout(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := newID()
	for _, body := range []string{
		``, `{`, `[]`,
		`{"v":2,"id":"` + id + `","state":"pending"}`,
		`{"v":1,"id":"../../etc","state":"pending"}`,
		`{"v":1,"id":"` + id + `","state":"exploded"}`,
		`{"v":1,"id":"` + id + `","state":"uploaded"}`,
		`{"v":1,"id":"` + id + `","gen":-1,"state":"pending"}`,
	} {
		p := l.recordPath(id)
		if err := writeFileForTest(p, body); err != nil {
			t.Fatal(err)
		}
		if _, err := readRecord(p); err == nil {
			t.Errorf("accepted %q", body)
		}
	}
}

func TestFormatStatus(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := string(FormatStatus([]Item{
		{ID: "i1", Name: "bad\nname.png", State: Failed, Size: 12, Attempts: 1, Err: "krea api: 400 nope"},
		{ID: "i2", Name: "ok.png", State: Pending, Size: 3, NextTry: at},
	}))
	want := "# kreafs upload queue: 2 item(s): 1 pending, 1 failed\n" +
		"# state\tsize\tattempts\tnext_try\tid\tname\terror\n" +
		"failed\t12\t1\t-\ti1\t\"bad\\nname.png\"\t\"krea api: 400 nope\"\n" +
		"pending\t3\t0\t2026-01-02T03:04:05Z\ti2\t\"ok.png\"\t\"\"\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestHostedName(t *testing.T) {
	const dir = "https://app-uploads.krea.ai/3f0c8a1e-2b4d-4c6e-8f00-112233445566/"
	for _, tc := range []struct{ url, want string }{
		{dir + "1733370000123-holiday.png", "holiday.png"},
		{dir + "1733370000123-my%20holiday.jpeg.bak", "my holiday.jpeg.bak"},
		{dir + "1733370000123-a-b-c.png", "a-b-c.png"},
		{dir + "1733370000123-IMG_0001?x=1#y", "IMG_0001"},
		{dir + "1733370000123-a%2Fb.png", "a/b.png"}, // callers check usability
		{dir + "1733370000123-", ""},
		{dir + "holiday.png", ""},                   // no time prefix
		{dir + "17333x0000123-holiday.png", ""},     // not a number
		{dir + "12345678901234567-holiday.png", ""}, // too many digits
		{dir + "1733370000123-bad%zzescape", ""},
		{"https://files.example/a/3f0c8a1e-2b4d-4c6e-8f00-112233445566.png", ""}, // id-named file
		{"https://files.example/a/1733370000123-holiday.png", ""},                // no uuid before it
		{"https://app-uploads.krea.ai/public/1733370000123-image.png", ""},
		{"", ""},
		{"1733370000123-holiday.png", ""},
	} {
		if got := HostedName(tc.url); got != tc.want {
			t.Errorf("HostedName(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}
