//go:build linux

package integration

// Helpers of the reliability, security, hostile-input and load tests:
// an emulator that can be stopped and restarted on the same
// ports, the kreafs process' memory and goroutine counts, timing of real
// programs.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// hostPort is the host:port of a URL such as emu.URL() or emu.FilesURL().
func hostPort(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parsing %q: %v", raw, err)
	}
	return u.Host
}

// restartEmulator closes emu (if it still runs) and starts a new one on
// the same two ports with the same token and data dir, as a restarted
// server would be: the state is restored from disk and every image_url
// stays valid. opts gives the knobs of the new one (Token and DataDir are
// taken from emu).
func restartEmulator(t testing.TB, emu *Emulator, opts emulator.Options) *Emulator {
	t.Helper()
	apiAddr, filesAddr := hostPort(t, emu.URL()), hostPort(t, emu.FilesURL())
	emu.Close()
	opts.Token, opts.DataDir = emu.Token(), emu.DataDir()
	var srv *emulator.Server
	// The ports were ours a moment ago; another process could take one
	// meanwhile, but nothing on this machine picks ports that fast.
	err := eventually(5*time.Second, func() error {
		var err error
		srv, err = emulator.Listen(opts, apiAddr, filesAddr)
		return err
	})
	if err != nil {
		t.Fatalf("restarting the emulator on %s and %s: %v", apiAddr, filesAddr, err)
	}
	return &Emulator{kreafstest.Adopt(t, srv)}
}

// procStatusKB reads a "Name:   1234 kB" line of /proc/PID/status.
func procStatusKB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// pprofRe finds the address kreafs prints when KREAFS_PPROF is set.
var pprofRe = regexp.MustCompile(`profiling at (http://[^ ]+/debug/pprof/)`)

// pprofURL is the base URL of kreafs' profiling endpoint (the mount must
// have been started with KREAFS_PPROF=127.0.0.1:0).
func pprofURL(t testing.TB, m *Mount) string {
	t.Helper()
	return loggedURL(t, m, pprofRe, "profiling")
}

// loggedURL is the first submatch of re in kreafs' stderr, waiting for
// it: the address of an endpoint kreafs logs once it listens (what names
// it in the failure).
func loggedURL(t testing.TB, m *Mount, re *regexp.Regexp, what string) string {
	t.Helper()
	var url string
	if err := eventually(5*time.Second, func() error {
		mm := re.FindStringSubmatch(m.Stderr())
		if mm == nil {
			return fmt.Errorf("no %s address in kreafs' stderr", what)
		}
		url = mm[1]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return url
}

// goroutineCount is the number of goroutines of kreafs, from the first
// line of /debug/pprof/goroutine?debug=1 ("goroutine profile: total N").
func goroutineCount(base string) (int, string, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get(base + "goroutine?debug=1")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	n, err := strconv.Atoi(strings.TrimPrefix(first, "goroutine profile: total "))
	if err != nil {
		return 0, "", fmt.Errorf("unexpected goroutine profile header %q", first)
	}
	return n, string(b), nil
}

// timed runs a program with a timeout and reports how long it took.
func timed(t testing.TB, timeout time.Duration, name string, args ...string) (stdout, stderr string, took time.Duration, err error) {
	t.Helper()
	start := time.Now()
	stdout, stderr, err = runErrTimeout(t, timeout, name, args...)
	return stdout, stderr, time.Since(start), err
}

// logCount counts the lines of s containing every one of subs.
func logCount(s string, subs ...string) int {
	n := 0
lines:
	for _, l := range strings.Split(s, "\n") {
		for _, sub := range subs {
			if !strings.Contains(l, sub) {
				continue lines
			}
		}
		n++
	}
	return n
}
