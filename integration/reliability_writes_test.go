//go:build linux

package integration

// Uploads under faults, crashes, outages and a full disk
// (docs/reliability.md): every file copied in is uploaded exactly once,
// and nothing already queued is lost.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestCopying100FilesUnderFaultsUploadsEachExactlyOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{RandSeed: 11})
	m := mount(t, emu)
	src := t.TempDir()
	var paths []string
	for i := 0; i < 100; i++ {
		var data []byte
		if i%10 == 0 {
			data = makeWAV(uint64(900+i), 512<<10)
		} else {
			data = makePNG(uint64(900+i), 16, 16)
		}
		p := filepath.Join(src, fmt.Sprintf("copy-%03d%s", i, map[bool]string{true: ".wav", false: ".png"}[i%10 == 0]))
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// 20% of API answers fail: for the first half the failure replaces the
	// request, for the second half the server acts and the answer is lost.
	emu.SetFaultRate(0.2)
	emu.SetCutRate(0.2)
	run(t, "cp", append(paths[:50:50], m.Path("assets"))...)
	emu.SetFaultAfterWrite(true)
	run(t, "cp", append(paths[50:100:100], m.Path("assets"))...)
	if err := eventually(3*time.Minute, func() error {
		if _, _, err := runErr(t, "sync", m.Path("assets")); err != nil {
			return err // sync reports a failure after 5 attempts; the queue keeps going
		}
		if n := len(emu.descriptions()); n != 100 {
			return fmt.Errorf("%d of 100 files on the account", n)
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\nstatus:\n%s", err, m.statusFile(t))
	}
	emu.SetFaultRate(0)
	for _, p := range paths {
		if n := len(emu.assetsNamed(filepath.Base(p))); n != 1 {
			t.Errorf("%s: %d assets, want exactly 1", filepath.Base(p), n)
		}
	}
	if n := emu.UploadCount(); n != 100 {
		t.Errorf("%d assets created for 100 files", n)
	}
	// Read back through a fresh mount (nothing in its cache), downloads
	// still cut 20% of the time.
	m.Stop()
	m2 := mount(t, emu)
	for _, p := range paths {
		run(t, "cmp", p, m2.Path("assets", filepath.Base(p)))
	}
	emu.SetCutRate(0)
}

// holdingProxy passes every API request to the emulator, but while hold is
// set it keeps the answer to POST /assets (which the emulator has already
// acted on) until the client goes away: a crash between "the server
// created the asset" and "kreafs learned it".
type holdingProxy struct {
	*httptest.Server
	hold atomic.Bool
	held chan struct{} // one value per held answer
}

func startHoldingProxy(t testing.TB, emu *Emulator) *holdingProxy {
	t.Helper()
	target, err := url.Parse(emu.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := &holdingProxy{held: make(chan struct{}, 16)}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if p.hold.Load() && resp.Request.Method == http.MethodPost && resp.Request.URL.Path == "/assets" {
			p.held <- struct{}{}
			select {
			case <-resp.Request.Context().Done(): // kreafs died
			case <-time.After(2 * time.Minute):
			}
		}
		return nil
	}
	p.Server = httptest.NewServer(rp)
	t.Cleanup(p.Close)
	return p
}

func TestKill9DuringAnUploadThenRemountUploadsItExactlyOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	proxy := startHoldingProxy(t, emu)
	opts := mountOpts{NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL}, Flags: []string{"--upload-delay", "0"}}
	m1 := mountWith(t, emu, opts)
	data := makeWAV(950, 2<<20)
	src := writeTemp(t, "in flight.wav", data)
	proxy.hold.Store(true)
	run(t, "cp", src, m1.Path("assets"))
	select {
	case <-proxy.held:
	case <-time.After(30 * time.Second):
		t.Fatalf("no upload reached the API\nstatus:\n%s", m1.statusFile(t))
	}
	if n := emu.UploadCount(); n != 1 {
		t.Fatalf("the emulator counts %d uploads while the answer is held, want 1", n)
	}
	m1.Kill() // the asset exists; kreafs never heard so
	proxy.hold.Store(false)

	opts.Dir, opts.CacheDir = m1.Dir, m1.CacheDir
	m2 := mountWith(t, emu, opts)
	run(t, "sync", m2.Path("assets"))
	time.Sleep(time.Second) // anything still to come would come now
	if got := emu.assetsNamed("in flight.wav"); len(got) != 1 || emu.UploadCount() != 1 {
		t.Errorf("after kill -9 mid-upload and a remount: %d assets named \"in flight.wav\", %d uploads; want exactly 1",
			len(got), emu.UploadCount())
	}
	run(t, "cmp", src, m2.Path("assets", "in flight.wav"))
	if st := m2.statusFile(t); strings.Contains(st, "in flight") {
		t.Errorf("the upload is still in the status file:\n%s", st)
	}
}

func TestAPIDownQueuedUploadsWaitThenCompleteOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(959, 4, 4), "before.png")
	m := mount(t, emu, "--upload-delay", "0")
	run(t, "ls", m.Path("assets")) // work before the outage: a listing exists
	emu.Close()
	down := time.Now()
	var paths []string
	for i := 0; i < 5; i++ {
		paths = append(paths, writeTemp(t, fmt.Sprintf("offline-%d.png", i), makePNG(uint64(960+i), 10, 10)))
	}
	// Copying in works with the API down: the bytes go to the spool.
	run(t, "cp", append(append([]string{}, paths...), m.Path("assets"))...)
	for _, p := range paths {
		run(t, "cmp", p, m.Path("assets", filepath.Base(p)))
	}
	// sync reports the failure within a bound (5 attempts, about 15 s of
	// backoff, plus the client's own retries), and the files stay queued.
	_, stderr, took, err := timed(t, 2*time.Minute, "sync", m.Path("assets", filepath.Base(paths[0])))
	t.Logf("sync of a file while the API is down: %v after %v: %q", err, took.Round(time.Millisecond), strings.TrimSpace(stderr))
	if err == nil || !strings.Contains(stderr, "Input/output error") {
		t.Errorf("sync while the API is down: %v %q, want Input/output error", err, stderr)
	}
	if took > 90*time.Second {
		t.Errorf("sync while the API is down took %v", took)
	}
	st := m.statusFile(t)
	for _, p := range paths {
		if !strings.Contains(st, filepath.Base(p)) {
			t.Errorf("%s is not in the status file while the API is down:\n%s", filepath.Base(p), st)
		}
	}
	t.Logf("the API was down for %v", time.Since(down).Round(time.Second))

	emu = restartEmulator(t, emu, emulator.Options{})
	back := time.Now()
	syncs := 0
	if err := eventually(90*time.Second, func() error {
		syncs++
		_, _, err := runErr(t, "sync", m.Path("assets"))
		return err
	}); err != nil {
		t.Fatalf("sync after the API came back: %v\nstatus:\n%s", err, m.statusFile(t))
	}
	t.Logf("sync succeeded %v after the API came back (%d tries)", time.Since(back).Round(time.Millisecond), syncs)
	for _, p := range paths {
		if n := len(emu.assetsNamed(filepath.Base(p))); n != 1 {
			t.Errorf("%s: %d assets after the outage, want 1", filepath.Base(p), n)
		}
	}
	if n := emu.UploadCount(); n != len(paths) {
		t.Errorf("%d uploads for %d files", n, len(paths))
	}
	for _, p := range paths {
		run(t, "cmp", p, m.Path("assets", filepath.Base(p)))
	}
}

func TestFullCacheDiskFailsWritesWithENOSPCAndLosesNothingQueued(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	cacheDir := smallDisk(t, "8m")
	emu := startEmulator(t, emulator.Options{})
	m := mountWith(t, emu, mountOpts{CacheDir: cacheDir, Flags: []string{"--upload-delay", "1h"}})
	queued := map[string][]byte{}
	for i := 0; i < 3; i++ {
		n := fmt.Sprintf("queued-%d.wav", i)
		queued[n] = makeWAV(uint64(970+i), 1<<20)
		run(t, "cp", writeTemp(t, n, queued[n]), m.Path("assets"))
	}
	// 6 MiB more do not fit in what is left of 8 MiB.
	big := writeTemp(t, "too big.wav", makeWAV(975, 6<<20))
	_, stderr, err := runErr(t, "cp", big, m.Path("assets"))
	t.Logf("cp of 6 MiB onto a nearly full cache disk: %v %q (free: %s)", err, strings.TrimSpace(stderr), mib(diskFree(cacheDir)))
	if err == nil || !strings.Contains(stderr, "No space left on device") {
		t.Errorf("cp onto a full cache disk: %v %q, want \"No space left on device\"", err, stderr)
	}
	if strings.Contains(stderr, "Input/output error") {
		t.Errorf("a full disk gave EIO")
	}
	// The queued files are intact and upload once when asked.
	for n, d := range queued {
		got, err := os.ReadFile(m.Path("assets", n))
		if err != nil || !bytes.Equal(got, d) {
			t.Errorf("queued %s after the disk filled: %v (or other bytes)", n, err)
		}
	}
	run(t, "sync", m.Path("assets"))
	for n := range queued {
		if got := emu.assetsNamed(n); len(got) != 1 {
			t.Errorf("%s: %d assets, want 1", n, len(got))
		}
	}
	if got := emu.assetsNamed("too big.wav"); len(got) != 0 {
		t.Errorf("the file that did not fit was uploaded (%d)", len(got))
	}
	// With room again, writes work.
	run(t, "rm", "-f", m.Path("assets", "too big.wav"))
	run(t, "cp", writeTemp(t, "after.png", makePNG(976, 5, 5)), m.Path("assets"))
	run(t, "sync", m.Path("assets", "after.png"))
}
