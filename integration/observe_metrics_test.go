//go:build linux

package integration

// --metrics-addr: the counters move by what a known sequence of
// operations does, read as Prometheus reads them.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kreafs/kreafs/api/emulator"
)

// scrape reads url and returns each sample as "name{label=value,...}" ->
// value (counters, gauges; histograms as name_count).
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("the metrics do not parse as Prometheus text: %v", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[strings.Replace(key, name, name+"_count", 1)] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

var metricsURL = regexp.MustCompile(`msg="serving metrics" url="?(http://[^" ]+)`)

// mountWithMetrics mounts emu with flags and metrics on a free loopback
// port, and returns the mount and the metrics' URL.
func mountWithMetrics(t *testing.T, emu *Emulator, flags ...string) (*Mount, string) {
	t.Helper()
	m := mount(t, emu, append(flags, "--metrics-addr", "127.0.0.1:0")...)
	return m, loggedURL(t, m, metricsURL, "metrics")
}

// opsCount is the scrape key of how many FUSE requests of op were answered.
func opsCount(op string) string { return "kreafs_fuse_operation_duration_seconds_count{op=" + op + "}" }

func TestMetricsCountersMoveByWhatACatAndACpDid(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	photo := makePNG(7, 64, 64)
	emu.add(photo, "seen.png")
	m, url := mountWithMetrics(t, emu, "--upload-delay", "0")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("metrics at %s, want loopback", url)
	}
	before := scrape(t, url)

	// One read of an uncached asset: a miss, its bytes downloaded.
	got, err := os.ReadFile(m.Path("assets", "seen.png"))
	if err != nil || len(got) != len(photo) {
		t.Fatalf("cat seen.png: %d bytes, %v", len(got), err)
	}
	// One upload.
	up := makePNG(8, 128, 128)
	src := writeTemp(t, "new.png", up)
	run(t, "cp", src, m.Path("assets", "new.png"))
	run(t, "sync", m.Path("assets", "new.png")) // returns once uploaded
	after := scrape(t, url)

	d := func(k string) float64 { return after[k] - before[k] }
	for _, c := range []struct {
		key      string
		min, max float64
	}{
		{"kreafs_cache_misses_total", 1, 1},
		{"kreafs_downloaded_bytes_total", float64(len(photo)), float64(len(photo)) + 64<<10}, // plus API answers
		{"kreafs_uploaded_bytes_total", float64(len(up)), float64(len(up)) + 4096},           // plus multipart framing
		{"kreafs_uploads_done_total", 1, 1},
		{"kreafs_api_requests_total{endpoint=POST /assets,status=200}", 1, 1},
		{"kreafs_api_request_duration_seconds_count{endpoint=GET files}", 1, 2}, // a ranged GET (206)
		{"kreafs_fuse_operations_total{op=create}", 1, 1},
		{"kreafs_fuse_operations_total{op=fsync}", 1, 2},
		{opsCount("read"), 1, 1e6},
		{"kreafs_api_request_duration_seconds_count{endpoint=POST /assets}", 1, 1},
	} {
		if v := d(c.key); v < c.min || v > c.max {
			t.Errorf("%s moved by %v, want %v..%v", c.key, v, c.min, c.max)
		}
	}
	if after["kreafs_uploads_queued"] != 0 || after["kreafs_uploads_in_flight"] != 0 || after["kreafs_uploads_failed"] != 0 {
		t.Errorf("after the upload: queued %v in flight %v failed %v, want 0", after["kreafs_uploads_queued"], after["kreafs_uploads_in_flight"], after["kreafs_uploads_failed"])
	}
	if after["kreafs_cache_bytes"] < float64(len(photo)) {
		t.Errorf("kreafs_cache_bytes %v, want at least the %d bytes read", after["kreafs_cache_bytes"], len(photo))
	}
	if _, ok := after["kreafs_jobs_watched"]; !ok {
		t.Error("no kreafs_jobs_watched")
	}
	if t.Failed() {
		for k, v := range after {
			if strings.HasPrefix(k, "kreafs_") {
				t.Logf("%s %v (was %v)", k, v, before[k])
			}
		}
	}
}

// A file's last close hands it to the upload queue under the same name and
// inode: the kernel's entry for it stays good, so the next stat of the
// name asks kreafs for no LOOKUP (each copied file cost a LOOKUP, a FORGET
// and an entry notification more when every close dropped the entry).
func TestAFileJustCopiedInIsStatedWithoutBeingLookedUpAgain(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m, url := mountWithMetrics(t, emu, "--upload-delay", "1m")
	src := writeTemp(t, "fresh.png", makePNG(9, 32, 32))
	run(t, "cp", src, m.Path("assets", "fresh.png"))
	time.Sleep(200 * time.Millisecond) // kernel notifications are sent asynchronously
	before := scrape(t, url)
	run(t, "stat", m.Path("assets", "fresh.png"))
	after := scrape(t, url)
	if d := after[opsCount("lookup")] - before[opsCount("lookup")]; d != 0 {
		t.Errorf("stat of a file just copied in made %v LOOKUPs, want 0 (its entry from the create is still good)", d)
	}
}

// A queued file shows the mode it was given, as a local file would, so
// that rsync of 0600 files does not open each copy again to chmod it (it
// reads the mode back after writing; 0644 made it open, chmod and close
// every file: an OPEN, a SETATTR, a FLUSH and a RELEASE more). Once
// uploaded, the asset shows 0644: Krea stores no mode.
func TestAQueuedFileShowsTheModeItWasGivenAndRsyncChmodsItOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m, url := mountWithMetrics(t, emu, "--upload-delay", "1h")
	src := t.TempDir()
	for i := 0; i < 4; i++ {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("private-%d.png", i)), makePNG(uint64(60+i), 16, 16), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := scrape(t, url)
	run(t, "rsync", "-rt", src+"/", m.Path("assets")+"/")
	after := scrape(t, url)
	for _, op := range []string{"create", "open", "setattr"} {
		t.Logf("rsync of 4 files: %v %s", after[opsCount(op)]-before[opsCount(op)], op)
	}
	if d := after[opsCount("open")] - before[opsCount("open")]; d != 0 {
		t.Errorf("rsync of 4 files of mode 0600 made %v OPENs, want 0 (it created each; it opens one again only to chmod it when the mode read back differs)", d)
	}
	perm := func(name string) os.FileMode {
		t.Helper()
		st, err := os.Stat(m.Path("assets", name))
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	// rsync's renamed files are uploaded at once; cp's wait for the delay.
	run(t, "cp", filepath.Join(src, "private-0.png"), m.Path("assets", "cp-private.png"))
	run(t, "cp", filepath.Join(src, "private-1.png"), m.Path("assets", "cp-chmod.png"))
	if p := perm("cp-private.png"); p != 0o600 {
		t.Errorf("queued cp-private.png shows mode %v, want 0600 (what cp created it with)", p)
	}
	run(t, "chmod", "640", m.Path("assets", "cp-chmod.png"))
	if p := perm("cp-chmod.png"); p != 0o640 {
		t.Errorf("after chmod 640, queued cp-chmod.png shows mode %v", p)
	}
	run(t, "sync", m.Path("assets", "cp-chmod.png"))
	deadline := time.Now().Add(5 * time.Second) // the kernel keeps a queued file's attributes for 1 s
	for perm("cp-chmod.png") != 0o644 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if p := perm("cp-chmod.png"); p != 0o644 {
		t.Errorf("uploaded cp-chmod.png shows mode %v, want 0644 (Krea stores no mode)", p)
	}
	if p := perm("cp-private.png"); p != 0o600 {
		t.Errorf("cp-private.png, still queued, shows mode %v, want 0600", p)
	}
}
