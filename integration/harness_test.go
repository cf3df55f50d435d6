//go:build linux

package integration

// The harness: build the kreafs binary once, mount it for a test in a
// subprocess, wait for the ready line, unmount in t.Cleanup and check that
// nothing is left behind. Modelled on gocryptfs
// tests/test_helpers/mount_unmount.go.
//
// Locking: mountRegistry.mu guards mountRegistry.dirs (mount points any test
// ever mounted, checked for leftovers at the end of TestMain). syncBuffer.mu
// guards its buffer; kreafs' stdout and stderr are copied into syncBuffers by
// os/exec goroutines while tests read them.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"go.uber.org/goleak"
)

// readyPrefix starts the one line kreafs prints on stdout once mounted.
const readyPrefix = "kreafs: mounted "

// Bounds of the harness. Generous, since CI runs the binary under -race on
// two cores; a test that needs these bounds to pass has a bug of its own.
const (
	mountTimeout   = 20 * time.Second // start to ready line
	unmountTimeout = 20 * time.Second // SIGTERM to exit
	runTimeout     = 60 * time.Second // one real program (ls, cmp, ...)
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
	if left := leftoverMounts(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "integration: FUSE mounts left behind: %q (unmounting them lazily)\n", left)
		for _, d := range left {
			_ = syscall.Unmount(d, syscall.MNT_DETACH)
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
	args := []string{"build", "-o", bin}
	race := raceEnabled
	if v := os.Getenv("KREAFS_RACE"); v != "" {
		race = v == "1"
	}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/kreafs")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	abs, err := filepath.Abs("..")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return "", fmt.Errorf("cannot find the module root (go env GOMOD, ..): %v", err)
	}
	return abs, nil
}

// ---- FUSE availability ----

var (
	fuseOnce   sync.Once
	fuseErr    error
	requireEnv = os.Getenv("KREAFS_REQUIRE_FUSE") == "1"
)

// requireFUSE skips the test when this machine cannot mount FUSE file
// systems, or fails it when KREAFS_REQUIRE_FUSE=1. The probe mounts an
// empty go-fuse file system once.
func requireFUSE(t testing.TB) {
	t.Helper()
	fuseOnce.Do(func() { fuseErr = probeFUSE() })
	if fuseErr == nil {
		return
	}
	if requireEnv {
		t.Fatalf("FUSE is required (KREAFS_REQUIRE_FUSE=1) but unusable: %v", fuseErr)
	}
	t.Skipf("FUSE unusable, skipping (set KREAFS_REQUIRE_FUSE=1 to fail instead): %v", fuseErr)
}

func probeFUSE() error {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("fusermount3"); err != nil {
			return errors.New("not root and no fusermount3 on PATH")
		}
	}
	dir, err := os.MkdirTemp("", "kreafs-fuse-probe-")
	if err != nil {
		return err
	}
	defer os.Remove(dir)
	srv, err := fusefs.Mount(dir, &fusefs.Inode{}, &fusefs.Options{
		MountOptions: fuse.MountOptions{Name: "kreafs-probe", DirectMount: os.Geteuid() == 0},
	})
	if err != nil {
		return fmt.Errorf("probe mount: %w", err)
	}
	if err := srv.Unmount(); err != nil {
		_ = syscall.Unmount(dir, syscall.MNT_DETACH)
		return fmt.Errorf("probe unmount: %w", err)
	}
	return nil
}

// ---- mount bookkeeping ----

var mountRegistry struct {
	mu   sync.Mutex
	dirs map[string]bool // every mount point the harness used
}

func registerMountDir(dir string) {
	mountRegistry.mu.Lock()
	defer mountRegistry.mu.Unlock()
	if mountRegistry.dirs == nil {
		mountRegistry.dirs = map[string]bool{}
	}
	mountRegistry.dirs[dir] = true
}

// leftoverMounts lists mount points of this run that are still mounted.
// (Only ours: other packages' tests may be mounting at the same time.)
func leftoverMounts() []string {
	mountRegistry.mu.Lock()
	defer mountRegistry.mu.Unlock()
	var left []string
	for _, e := range readMountinfo() {
		if mountRegistry.dirs[e.dir] {
			left = append(left, e.dir)
		}
	}
	return left
}

type mountEntry struct{ dir, fstype, source string }

// readMountinfo parses /proc/self/mountinfo.
func readMountinfo() []mountEntry {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		panic(err)
	}
	var out []mountEntry
	for _, line := range strings.Split(string(data), "\n") {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 2 {
			continue
		}
		out = append(out, mountEntry{dir: unescapeMountinfo(f[4]), fstype: g[0], source: g[1]})
	}
	return out
}

// unescapeMountinfo undoes the \ooo octal escapes of mountinfo fields.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsAt counts the mounts stacked on dir.
func mountsAt(dir string) int {
	n := 0
	for _, e := range readMountinfo() {
		if e.dir == dir {
			n++
		}
	}
	return n
}

// ---- the kreafs process ----

// Mount is one running `kreafs mount` process and its mount point.
type Mount struct {
	t        testing.TB
	Dir      string // the mount point
	CacheDir string // --cache-dir
	Token    string // the token kreafs was given (must never show up anywhere)
	Args     []string

	cmd     *exec.Cmd
	stdout  *syncBuffer
	stderr  *syncBuffer
	ready   chan struct{}
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done

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
	select {
	case <-m.ready:
	case <-m.done:
		t.Fatalf("kreafs exited before mounting (%v)", m.waitErr)
	case <-time.After(mountTimeout):
		m.Kill()
		t.Fatalf("kreafs did not print %q within %v", readyPrefix, mountTimeout)
	}
	if n := mountsAt(m.Dir); n != 1 {
		t.Fatalf("kreafs said it is mounted but %s has %d mounts in /proc/self/mountinfo", m.Dir, n)
	}
	m.mu.Lock()
	m.startFDs = listFDs(m.cmd.Process.Pid)
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

	m := &Mount{
		t: t, Dir: o.Dir, CacheDir: o.CacheDir, Token: token, Args: args,
		stdout: &syncBuffer{}, stderr: &syncBuffer{},
		ready: make(chan struct{}), done: make(chan struct{}),
	}
	m.stdout.watch = readyPrefix
	m.stdout.seen = m.ready
	bin := kreafsBin
	if o.Bin != "" {
		bin = o.Bin
	}
	m.cmd = exec.Command(bin, args...)
	m.cmd.Env = env
	m.cmd.Stdout = m.stdout
	m.cmd.Stderr = m.stderr
	m.cmd.WaitDelay = 5 * time.Second
	registerMountDir(o.Dir)
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	go func() {
		m.waitErr = m.cmd.Wait()
		close(m.done)
	}()
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
func (m *Mount) Pid() int { return m.cmd.Process.Pid }

// Logs is kreafs' stdout and stderr so far, for failure messages.
func (m *Mount) Logs() string {
	stderr := m.stderr.String()
	out := fmt.Sprintf("--- kreafs %s\n--- stdout:\n%s--- stderr:\n%s", strings.Join(m.Args, " "),
		tail(m.stdout.String(), 64<<10), tail(stderr, 64<<10))
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
func (m *Mount) Stdout() string { return m.stdout.String() }
func (m *Mount) Stderr() string { return m.stderr.String() }

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
	if err := m.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
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
		m.forceEnd()
		return
	}
	if code := m.cmd.ProcessState.ExitCode(); code != want {
		m.t.Errorf("kreafs exited with status %d (%v), want %d", code, m.waitErr, want)
	}
	if n := mountsAt(m.Dir); n != 0 {
		m.t.Errorf("kreafs exited but %d mount(s) remain at %s", n, m.Dir)
		_ = syscall.Unmount(m.Dir, syscall.MNT_DETACH)
	}
}

// Kill sends SIGKILL, leaving a stale mount behind (as a crash would), and
// waits for the process to be gone.
func (m *Mount) Kill() {
	m.t.Helper()
	m.mu.Lock()
	m.ended, m.killed = true, true
	m.mu.Unlock()
	_ = m.cmd.Process.Kill()
	select {
	case <-m.done:
	case <-time.After(unmountTimeout):
		m.t.Errorf("kreafs did not die within %v of SIGKILL", unmountTimeout)
	}
}

// Exited reports whether the process has exited.
func (m *Mount) Exited() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// forceEnd kills kreafs and lazily unmounts its mount point.
func (m *Mount) forceEnd() {
	_ = m.cmd.Process.Kill()
	select {
	case <-m.done:
	case <-time.After(unmountTimeout):
	}
	for i := 0; i < 3 && mountsAt(m.Dir) > 0; i++ {
		_ = syscall.Unmount(m.Dir, syscall.MNT_DETACH)
	}
}

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
		t.Errorf("kreafs exited by itself during the test (%v)", m.waitErr)
		if mountsAt(m.Dir) > 0 {
			_ = syscall.Unmount(m.Dir, syscall.MNT_DETACH)
		}
	}
	if killed && mountsAt(m.Dir) > 0 {
		// The test killed kreafs and nobody recovered the stale mount.
		t.Errorf("stale mount of a killed kreafs left at %s", m.Dir)
		for i := 0; i < 3 && mountsAt(m.Dir) > 0; i++ {
			_ = syscall.Unmount(m.Dir, syscall.MNT_DETACH)
		}
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

// maxFDGrowth is how many more descriptors kreafs may hold at the end of a
// test than right after mounting (a bounded pool of open cache files, idle
// HTTP connections). A leak of one per open file soon exceeds it.
const maxFDGrowth = 48

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
	if len(now) > len(start)+maxFDGrowth {
		m.t.Errorf("kreafs holds %d descriptors, %d right after mounting: a descriptor leak?\nnow: %v",
			len(now), len(start), now)
	}
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
	return runErrTimeout(t, runTimeout, name, args...)
}

// runErrTimeout is runErr with its own timeout.
func runErrTimeout(t testing.TB, timeout time.Duration, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s timed out after %v: %w", name, timeout, err)
	}
	return o.String(), e.String(), err
}

// needProgram skips the test when a program is not installed (CI installs
// them all; see .ci/run).
func needProgram(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if requireEnv {
			t.Fatalf("%s is required but not installed", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// eventually polls cond every 50ms until it returns nil or d has passed,
// and returns the last error.
func eventually(d time.Duration, cond func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---- output capture ----

// syncBuffer is a bytes.Buffer safe for one writer and many readers that
// can signal when a line starting with watch has been written.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	watch string        // line prefix to look for
	seen  chan struct{} // closed when a line starting with watch completed
	fired bool
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.watch != "" && !b.fired {
		sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), b.watch) {
				b.fired = true
				close(b.seen)
				break
			}
		}
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "[...]\n" + s[len(s)-n:]
}
