//go:build linux

package integration

// kreafs status and kreafs wait against a real mount: bytes sent grow
// during a slow upload, wait says whether everything got uploaded.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// slowUploadProxy stands between kreafs and the emulator and reads the
// body of each POST /assets at most rate bytes per second (0: at once).
type slowUploadProxy struct {
	*httptest.Server
	rate atomic.Int64
}

func startSlowUploadProxy(t testing.TB, emu *Emulator, rate int64) *slowUploadProxy {
	t.Helper()
	target, err := url.Parse(emu.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := &slowUploadProxy{}
	p.rate.Store(rate)
	rp := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/assets" {
			r.Body = &slowReader{r: r.Body, rate: &p.rate}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

type slowReader struct {
	r    io.ReadCloser
	rate *atomic.Int64
}

func (s *slowReader) Read(b []byte) (int, error) {
	if rate := s.rate.Load(); rate > 0 {
		n := int(rate / 20)
		b = b[:min(len(b), max(n, 1))]
		time.Sleep(50 * time.Millisecond)
	}
	return s.r.Read(b)
}

func (s *slowReader) Close() error { return s.r.Close() }

// statusJSON is what kreafs status --json prints (the fields used here).
type statusJSON struct {
	Queued  int     `json:"queued"`
	Failed  int     `json:"failed"`
	Size    int64   `json:"size"`
	Sent    int64   `json:"sent"`
	ETA     float64 `json:"eta_seconds"`
	Uploads []struct {
		State string  `json:"state"`
		Name  string  `json:"name"`
		Size  int64   `json:"size"`
		Sent  int64   `json:"sent"`
		Speed float64 `json:"speed"`
		ETA   float64 `json:"eta_seconds"`
		Error string  `json:"error"`
	} `json:"uploads"`
}

func kreafsStatus(t *testing.T, mp string) statusJSON {
	t.Helper()
	out, stderr, err := runErr(t, kreafsBin, "status", "--json", mp)
	if err != nil {
		t.Fatalf("kreafs status --json: %v %s", err, stderr)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("kreafs status --json printed %q: %v", out, err)
	}
	return st
}

// exitCode is err's exit status (0 for nil).
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

func TestStatusShowsBytesGrowingDuringASlowUploadAndWaitReturns0Once(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	proxy := startSlowUploadProxy(t, emu, 1<<20) // 1 MiB/s
	m := mountWith(t, emu, mountOpts{NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL},
		Flags: []string{"--upload-delay", "0"}})
	const size = 12 << 20
	run(t, "cp", writeTemp(t, "long.wav", makeWAV(3, size)), m.Path("assets", "long.wav"))

	// Readings while it uploads: sent grows, stays below the size, an ETA.
	var sents []int64
	etas := 0 // readings with an ETA (one just before the end may round to 0)
	deadline := time.Now().Add(20 * time.Second)
	for len(sents) < 3 && time.Now().Before(deadline) {
		st := kreafsStatus(t, m.Dir)
		for _, u := range st.Uploads {
			if u.Name == "long.wav" && u.State == "uploading" && u.Sent > 0 && u.Sent < u.Size {
				if u.Speed <= 0 || st.Sent != u.Sent {
					t.Errorf("uploading with sent %d: speed %v, totals sent %d; want a speed and the same sent", u.Sent, u.Speed, st.Sent)
				}
				if u.ETA > 0 && st.ETA > 0 {
					etas++
				}
				if len(sents) == 0 || u.Sent > sents[len(sents)-1] {
					sents = append(sents, u.Sent)
				}
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	if len(sents) < 3 || etas == 0 {
		t.Fatalf("sent readings %v (%d with an ETA): want three growing ones below %d, with an ETA", sents, etas, size)
	}
	if out, stderr, err := runErr(t, kreafsBin, "wait", "--timeout", "100ms", m.Dir); exitCode(t, err) != 1 || !strings.Contains(stderr, "queued") {
		t.Errorf("kreafs wait --timeout 100ms mid-upload: %v %q %q; want status 1 saying what is queued", err, out, stderr)
	}
	// status --watch into a pipe: a line per change, until all is uploaded.
	var watchOut strings.Builder
	watch := exec.Command(kreafsBin, "status", "--watch", m.Dir)
	watch.Stdout = &watchOut
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	watchDone := make(chan error, 1)
	go func() { watchDone <- watch.Wait() }()
	time.Sleep(700 * time.Millisecond)
	proxy.rate.Store(0)
	out, stderr, err := runErrTimeout(t, 60*time.Second, kreafsBin, "wait", m.Dir)
	if exitCode(t, err) != 0 {
		t.Fatalf("kreafs wait after a clean copy: %v %q %q; want 0", err, out, stderr)
	}
	if n := len(emu.assetsNamed("long.wav")); n != 1 {
		t.Fatalf("kreafs wait returned with %d assets named long.wav", n)
	}
	select {
	case err := <-watchDone:
		if w := watchOut.String(); err != nil || !strings.Contains(w, "1 queued") || !strings.HasSuffix(w, "nothing queued, all uploaded\n") {
			t.Errorf("kreafs status --watch | cat: %v\n%s", err, w)
		}
	case <-time.After(10 * time.Second):
		_ = watch.Process.Kill()
		<-watchDone
		t.Errorf("kreafs status --watch still running after everything was uploaded:\n%s", watchOut.String())
	}
	out, _, _ = runErr(t, kreafsBin, "status", m.Dir)
	if !strings.Contains(out, "nothing queued, all uploaded") {
		t.Errorf("kreafs status after the upload: %q", out)
	}
}

func TestWaitReturns1AndNamesAFileTheAPIRefusedWith402(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	proxy := startRefusingProxy(t, emu)
	proxy.refuse(http.StatusPaymentRequired, "insufficient credits")
	m := mountWith(t, emu, mountOpts{NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL},
		Flags: []string{"--upload-delay", "0"}})
	run(t, "cp", writeTemp(t, "paid.png", makePNG(5, 32, 32)), m.Path("assets", "paid.png"))
	out, stderr, err := runErrTimeout(t, 60*time.Second, kreafsBin, "wait", m.Dir)
	if exitCode(t, err) != 1 || !strings.Contains(stderr, "paid.png") || !strings.Contains(stderr, "insufficient credits") {
		t.Fatalf("kreafs wait after a 402: %v stdout %q stderr %q; want status 1 naming paid.png and why", err, out, stderr)
	}
	st := kreafsStatus(t, m.Dir)
	if st.Failed != 1 || st.Queued != 0 {
		t.Errorf("kreafs status --json after the 402: %+v", st)
	}
	if proxy.refused.Load() == 0 {
		t.Error("the proxy refused nothing")
	}
}
