//go:build linux

package integration

// The API token (docs/reliability.md, "Security"): never in any output,
// not even a goroutine dump, nor in the process' command line; sent only
// to the API's origin, also when the API or a file host redirects
// elsewhere.

import (
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestTheTokenIsInNoOutputNotEvenAGoroutineDump(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{SeedAssets: 5, SeedJobs: 2, SeedStyles: 2})
	tokenFile := writeTemp(t, "token", []byte(emu.Token()+"\n"))
	m := mountWith(t, emu, mountOpts{NoToken: true, Flags: []string{"--token-file", tokenFile, "--upload-delay", "0"},
		Env: []string{"KREAFS_PPROF=127.0.0.1:0"}})
	m.Token = emu.Token()
	// Work that logs: reads, uploads, refusals, faults, misses.
	emu.SetFaultRate(0.3)
	for _, n := range listNames(t, m.Path("assets")) {
		_, _ = os.ReadFile(m.Path("assets", n))
	}
	_, _, _ = runErr(t, "cp", writeTemp(t, "up.png", makePNG(1301, 4, 4)), m.Path("assets"))
	_, _, _ = runErr(t, "cp", writeTemp(t, "notes.txt.png", []byte("plain text")), m.Path("assets"))
	_, _, _ = runErr(t, "sync", m.Path("assets"))
	_, _ = os.Stat(m.Path("assets", ".by-id", "nope"))
	_, _, _ = runErr(t, "ls", "-R", m.Path("jobs"), m.Path("styles"))
	emu.SetFaultRate(0)

	// The command line (ps shows it to every user) and pprof's copy of it.
	if b, err := os.ReadFile("/proc/" + itoa(m.Pid()) + "/cmdline"); err != nil || strings.Contains(string(b), emu.Token()) {
		t.Errorf("kreafs' command line holds the token (or cannot be read: %v)", err)
	}
	base := pprofURL(t, m)
	for _, p := range []string{"cmdline", "goroutine?debug=2", "heap?debug=1"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Errorf("pprof %s: %v", p, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), emu.Token()) {
			t.Errorf("pprof's %s holds the token", p)
		}
	}
	http.DefaultClient.CloseIdleConnections()

	// A goroutine dump (SIGQUIT), what a crash prints.
	m.Signal(syscall.SIGQUIT)
	select {
	case <-m.done:
	case <-time.After(unmountTimeout):
		t.Fatalf("kreafs did not exit on SIGQUIT")
	}
	_ = syscall.Unmount(m.Dir, syscall.MNT_DETACH) // the dump leaves the mount behind
	dump := m.Stderr()
	if !strings.Contains(dump, "goroutine ") {
		t.Errorf("no goroutine dump on stderr after SIGQUIT")
	}
	if strings.Contains(dump, emu.Token()) {
		t.Errorf("the goroutine dump holds the token")
	}
	// (cleanup checks stdout and stderr for the token once more)
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func TestTheTokenGoesOnlyToTheAPIOriginAlsoAcrossRedirects(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{SeedJobs: 2})
	other := startFileHost(t, func(h *fileHost, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"items":[],"next_cursor":null}`)
	})
	png := makePNG(1311, 5, 5)
	files := startFileHost(t, func(h *fileHost, w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "x.png", time.Time{}, strings.NewReader(string(png)))
	})
	hop := startFileHost(t, func(h *fileHost, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, files.URL+r.URL.Path, http.StatusFound)
	})
	proxy := startHostileAPI(t, emu)
	id := "00000000-0000-4000-8000-000000001311"
	proxy.set(func(p *hostileAPI) {
		// An asset whose image_url redirects (hop -> files); the API
		// redirecting a by-id lookup to another origin.
		p.extra = []string{hostileItem(id, "hopping.png", hop.URL+"/a.png")}
		p.byID["00000000-0000-4000-8000-000000001312"] = "redirect:" + other.URL + "/assets/x"
	})
	m := mountWith(t, emu, mountOpts{NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL}})

	if got, err := os.ReadFile(m.Path("assets", "hopping.png")); err != nil || string(got) != string(png) {
		t.Errorf("reading an asset whose image_url redirects to another origin: %v", err)
	}
	if _, err := os.Stat(m.Path("assets", ".by-id", "00000000-0000-4000-8000-000000001312")); err == nil {
		t.Errorf("a by-id lookup redirected to another origin succeeded")
	}
	for name, h := range map[string]*fileHost{"the redirecting file host": hop, "the file host": files, "the other origin": other} {
		if h.served.Load() == 0 {
			t.Errorf("%s was never asked: the test does not test anything", name)
		}
		if l := h.leaks(); len(l) > 0 {
			t.Errorf("%s received the token: %v", name, l)
		}
	}
}
