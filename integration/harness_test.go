//go:build linux

package integration

// The harness: build the kreafs binary once, mount it for a test in a
// subprocess, wait for the ready line, unmount in t.Cleanup and check that
// nothing is left behind. Modelled on gocryptfs
// tests/test_helpers/mount_unmount.go. The pieces the fs tests and the
// benchmark share live in integration/kreafstest.
//
// Locking: Mount.mu guards ended, killed and startFDs (cleanup and the
// test's own Stop or Kill may race).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kreafs/kreafs/integration/kreafstest"
)

// readyPrefix starts the one line kreafs prints on stdout once mounted.
const readyPrefix = kreafstest.ReadyPrefix

// Bounds of the harness. Generous, since CI runs the binary under -race on
// two cores; a test that needs these bounds to pass has a bug of its own.
const (
	mountTimeout   = 20 * time.Second      // start to ready line
	unmountTimeout = 20 * time.Second      // SIGTERM to exit
	runTimeout     = kreafstest.RunTimeout // one real program (ls, cmp, ...)
)

// The shared helpers under the names the tests use.
var (
	requireFUSE      = kreafstest.RequireFUSE
	needProgram      = kreafstest.NeedProgram
	eventually       = kreafstest.Eventually
	mountsAt         = kreafstest.MountsAt
	registerMountDir = kreafstest.RegisterMountDir
	tail             = kreafstest.Tail
)

// kreafsBin is the binary TestMain built.
var kreafsBin string

func TestMain(m *testing.M) {
	code := testMain(m)
	os.Exit(code)
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kreafs-integration-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	kreafsBin = filepath.Join(dir, "kreafs")
	if err := buildKreafs(kreafsBin); err != nil {
		fmt.Fprintln(os.Stderr, "integration: building kreafs:", err)
		return 1
	}

	code := m.Run()

	// The test process itself (emulators, HTTP clients, the FUSE probe)
	// must not leak goroutines either.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "integration: leaked goroutines:", err)
			code = 1
		}
	}
	if left := kreafstest.LeftoverMounts(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "integration: FUSE mounts left behind: %q (unmounting them lazily)\n", left)
		for _, d := range left {
			kreafstest.Detach(d)
		}
		code = 1
	}
	return code
}

// buildKreafs builds ./cmd/kreafs of this module into bin, with -race when
// the tests themselves run under -race (or KREAFS_RACE=1; KREAFS_RACE=0
// turns it off).
func buildKreafs(bin string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	race := raceEnabled
	if v := os.Getenv("KREAFS_RACE"); v != "" {
		race = v == "1"
	}
	return kreafstest.Build(root, bin, race)
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot() (string, error) { return kreafstest.ModuleRoot("..") }

// ---- the kreafs process ----

// Mount is one running `kreafs mount` process and its mount point.
type Mount struct {
	t        testing.TB
	Dir      string // the mount point
	CacheDir string // --cache-dir
	Token    string // the token kreafs was given (must never show up anywhere)
	Args     []string

	p     *kreafstest.Process
	ready <-chan struct{} // closed when kreafs printed its ready line
	done  <-chan struct{} // closed when the process has exited

	mu       sync.Mutex
	ended    bool // Stop, Kill or an unmount ended it on purpose
	killed   bool
	startFDs []string
}

// mountOpts are the less common knobs of mountWith.
type mountOpts struct {
	Dir      string   // mount point; a fresh t.TempDir()/mnt if empty
	CacheDir string   // --cache-dir; a fresh t.TempDir() if empty
	NoCache  bool     // pass no --cache-dir (kreafs picks its default)
	Flags    []string // extra flags before the mount point
	Env      []string // extra environment (KEY=VALUE), applied last
	NoToken  bool     // do not set KREA_API_TOKEN
	Token    string   // token to pass instead of the emulator's
	NoURL    bool     // do not set KREA_API_URL (for --emulator)
	Bin      string   // the kreafs binary to run; kreafsBin if empty
}

// mount starts kreafs against emu with --log-level debug, waits until it is
// mounted, and unmounts it (checking everything) in t.Cleanup.
func mount(t testing.TB, emu *Emulator, flags ...string) *Mount {
	t.Helper()
	return mountWith(t, emu, mountOpts{Flags: flags})
}

// mountWith is mount with every knob; it fails the test if kreafs does not
// print its ready line within mountTimeout.
func mountWith(t testing.TB, emu *Emulator, o mountOpts) *Mount {
	t.Helper()
	m := startKreafs(t, emu, o)
	if err := m.p.WaitReady(context.Background(), mountTimeout); err != nil {
		if !m.Exited() {
			m.Kill()
		}
		t.Fatal(err)
	}
	if n := mountsAt(m.Dir); n != 1 {
		t.Fatalf("kreafs said it is mounted but %s has %d mounts in /proc/self/mountinfo", m.Dir, n)
	}
	m.mu.Lock()
	m.startFDs = listFDs(m.Pid())
	m.mu.Unlock()
	return m
}

// startKreafs starts `kreafs mount` and registers its cleanup, without
// waiting for the mount.
func startKreafs(t testing.TB, emu *Emulator, o mountOpts) *Mount {
	t.Helper()
	requireFUSE(t)
	if o.Dir == "" {
		// A directory of its own, so tests can check nothing appears
		// beside the mount point.
		o.Dir = filepath.Join(t.TempDir(), "mnt")
		if err := os.Mkdir(o.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(t.TempDir(), "cache")
	}
	token := o.Token
	if token == "" && emu != nil {
		token = emu.Token()
	}
	args := []string{"mount", "--cache-dir", o.CacheDir, "--log-level", "debug"}
	if o.NoCache {
		args, o.CacheDir = []string{"mount", "--log-level", "debug"}, ""
	}
	args = append(args, o.Flags...)
	args = append(args, o.Dir)

	env := baseEnv(t)
	if !o.NoURL && emu != nil {
		env = append(env, "KREA_API_URL="+emu.URL())
	}
	if !o.NoToken && token != "" {
		env = append(env, "KREA_API_TOKEN="+token)
	}
	env = append(env, o.Env...)

	bin := kreafsBin
	if o.Bin != "" {
		bin = o.Bin
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	p, err := kreafstest.Start("kreafs", cmd, o.Dir, readyPrefix)
	if err != nil {
		t.Fatal(err)
	}
	m := &Mount{
		t: t, Dir: o.Dir, CacheDir: o.CacheDir, Token: token, Args: args,
		p: p, ready: p.Ready(), done: p.Done(),
	}
	t.Cleanup(m.cleanup)
	return m
}

// baseEnv is the environment of every kreafs and program the tests run:
// ours without KREA_* variables, an English locale, and a private
// XDG_CACHE_HOME so nothing lands in the real ~/.cache.
func baseEnv(t testing.TB) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "KREA_") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG") ||
			strings.HasPrefix(kv, "XDG_CACHE_HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "XDG_CACHE_HOME="+filepath.Join(t.TempDir(), "xdg-cache"))
}

// Path joins rel (slash separated) to the mount point.
func (m *Mount) Path(rel ...string) string {
	return filepath.Join(append([]string{m.Dir}, rel...)...)
}

// Pid is the kreafs process id.
func (m *Mount) Pid() int { return m.p.Pid() }

// Logs is kreafs' stdout and stderr so far, for failure messages.
func (m *Mount) Logs() string {
	stderr := m.Stderr()
	out := fmt.Sprintf("--- kreafs %s\n--- stdout:\n%s--- stderr:\n%s", strings.Join(m.Args, " "),
		tail(m.Stdout(), 64<<10), tail(stderr, 64<<10))
	if len(stderr) > 64<<10 {
		out += "--- stderr, the notable lines of the whole run (warnings, errors, failed operations other than ENOENT):\n" + notable(stderr, 300)
	}
	return out
}

// notable returns at most max lines of a debug log that explain a failure
// the tail no longer shows.
func notable(log string, max int) string {
	var b strings.Builder
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "level=warning") || strings.Contains(l, "level=error") ||
			(strings.Contains(l, "fuse op failed") && !strings.Contains(l, `errno="no such file or directory"`)) {
			if n++; n > max {
				b.WriteString("[... more]\n")
				break
			}
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// Stdout and Stderr are the process' output so far.
func (m *Mount) Stdout() string { return m.p.Stdout() }
func (m *Mount) Stderr() string { return m.p.Stderr() }

// Stop sends SIGTERM and waits for kreafs to exit with status 0 and the
// mount point to be gone. For remount tests; cleanup does the same.
func (m *Mount) Stop() {
	m.t.Helper()
	m.Signal(syscall.SIGTERM)
	m.WaitExit(0)
}

// Signal sends sig to kreafs and marks the end as intended.
func (m *Mount) Signal(sig syscall.Signal) {
	m.t.Helper()
	m.mu.Lock()
	m.ended = true
	m.mu.Unlock()
	if err := m.p.Signal(sig); err != nil {
		m.t.Errorf("signal %v to kreafs: %v", sig, err)
	}
}

// WaitExit waits (bounded) for kreafs to exit, then checks its exit status
// is want and nothing is mounted at the mount point any more. On timeout it
// kills kreafs and detaches the mount.
func (m *Mount) WaitExit(want int) {
	m.t.Helper()
	m.mu.Lock()
	m.ended = true
	m.mu.Unlock()
	select {
	case <-m.done:
	case <-time.After(unmountTimeout):
		m.t.Errorf("kreafs did not exit within %v of being told to stop", unmountTimeout)
		m.p.ForceEnd(unmountTimeout)
		return
	}
	if code := m.p.Cmd.ProcessState.ExitCode(); code != want {
		m.t.Errorf("kreafs exited with status %d (%v), want %d", code, m.p.WaitErr(), want)
	}
	if n := mountsAt(m.Dir); n != 0 {
		m.t.Errorf("kreafs exited but %d mount(s) remain at %s", n, m.Dir)
		kreafstest.Detach(m.Dir)
	}
}

// Kill sends SIGKILL, leaving a stale mount behind (as a crash would), and
// waits for the process to be gone.
func (m *Mount) Kill() {
	m.t.Helper()
	m.mu.Lock()
	m.ended, m.killed = true, true
	m.mu.Unlock()
	if !m.p.Kill(unmountTimeout) {
		m.t.Errorf("kreafs did not die within %v of SIGKILL", unmountTimeout)
	}
}

// Exited reports whether the process has exited.
func (m *Mount) Exited() bool { return m.p.Exited() }

// cleanup ends a still-running kreafs with SIGTERM and checks the exit,
// the unmount, descriptor leaks and that the token never showed up.
func (m *Mount) cleanup() {
	t := m.t
	m.mu.Lock()
	ended, killed := m.ended, m.killed
	m.mu.Unlock()
	if !ended && !m.Exited() {
		m.checkFDs()
		m.Stop()
	} else if !m.Exited() {
		m.WaitExit(0)
	} else if !ended {
		t.Errorf("kreafs exited by itself during the test (%v)", m.p.WaitErr())
		kreafstest.Detach(m.Dir)
	}
	if killed && mountsAt(m.Dir) > 0 {
		// The test killed kreafs and nobody recovered the stale mount.
		t.Errorf("stale mount of a killed kreafs left at %s", m.Dir)
		kreafstest.Detach(m.Dir)
	}
	if m.Token != "" {
		for name, out := range map[string]string{"stdout": m.Stdout(), "stderr": m.Stderr()} {
			if strings.Contains(out, m.Token) {
				t.Errorf("the API token appears in kreafs' %s", name)
			}
		}
	}
	if t.Failed() { // every failure message relies on this
		t.Logf("kreafs output:\n%s", m.Logs())
	}
}

// How many more descriptors kreafs may hold at the end of a test than
// right after mounting: files (a bounded pool of open cache files; a leak
// of one per open file soon exceeds it), and sockets (idle HTTP
// connections: api's transport keeps up to 96 to a host, and a cold ls -l
// fills the file host's with 64 size probes at a time).
const (
	maxFDGrowth     = 48
	maxSocketGrowth = 96 + 16
)

// checkFDs fails the test when kreafs holds many more descriptors than
// right after mounting.
func (m *Mount) checkFDs() {
	m.mu.Lock()
	start := m.startFDs
	m.mu.Unlock()
	if start == nil {
		return
	}
	now := listFDs(m.Pid())
	files, sockets := splitSockets(now)
	files0, sockets0 := splitSockets(start)
	if files > files0+maxFDGrowth || sockets > sockets0+maxSocketGrowth {
		m.t.Errorf("kreafs holds %d descriptors (%d sockets), %d (%d) right after mounting: a descriptor leak?\nnow: %v",
			len(now), sockets, len(start), sockets0, now)
	}
}

// splitSockets counts the descriptors of listFDs that are not sockets, and
// those that are.
func splitSockets(fds []string) (files, sockets int) {
	for _, fd := range fds {
		if _, target, _ := strings.Cut(fd, "="); strings.HasPrefix(target, "socket:") {
			sockets++
		} else {
			files++
		}
	}
	return files, sockets
}

// FDs lists kreafs' open descriptors as "n=target".
func (m *Mount) FDs() []string { return listFDs(m.Pid()) }

// listFDs lists the open file descriptors of process pid.
func listFDs(pid int) []string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		out = append(out, e.Name()+"="+target)
	}
	return out
}

// ---- running real programs ----

// run runs a real program (LC_ALL=C) with runTimeout and returns its
// stdout; a non-zero exit fails the test with stderr.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	stdout, stderr, err := runErr(t, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstderr: %s", name, strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// runErr runs a real program with runTimeout and returns its output and
// error (an *exec.ExitError for a non-zero status).
func runErr(t testing.TB, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return kreafstest.RunErr(runTimeout, name, args...)
}

// runErrTimeout is runErr with its own timeout.
func runErrTimeout(t testing.TB, timeout time.Duration, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return kreafstest.RunErr(timeout, name, args...)
}
