//go:build linux

package integration

// Support of the system_*_test.go tests, which run kreafs as a system tool
// does: in the background, from a shell, from mount(8). Those mounts are
// not children the harness owns, so they are found and ended by their
// mount point.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/integration/kreafstest"
)

// newMountDir is an empty mount point of the test's own.
func newMountDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tokenFile writes the emulator's token into a 0600 file.
func tokenFile(t testing.TB, emu *Emulator) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte(emu.Token()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// runKreafs runs bin (kreafsBin if "") with args and the test environment
// plus env, bounded, and returns its output and exit status.
func runKreafs(t testing.TB, bin string, env []string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	if bin == "" {
		bin = kreafsBin
	}
	ctx, cancel := context.WithTimeout(context.Background(), mountTimeout+unmountTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(baseEnv(t), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		status = ee.ExitCode()
	default:
		t.Fatalf("kreafs %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("kreafs %s did not end within %v\nstderr: %s", strings.Join(args, " "), mountTimeout+unmountTimeout, e.String())
	}
	return o.String(), e.String(), status
}

// servingPids are the kreafs processes whose command line names dir (a
// mount in the background, from a shell or from mount(8)).
func servingPids(dir string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		argv := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		if !strings.Contains(filepath.Base(argv[0]), "kreafs") || procState(pid) == 'Z' {
			continue
		}
		for _, a := range argv[1:] {
			if a == dir {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// procState is the state letter of /proc/PID/stat (0 if gone).
func procState(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	i := bytes.LastIndexByte(b, ')')
	if err != nil || i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

// procStatField is field n (1-based, as proc(5) numbers them) of
// /proc/PID/stat.
func procStatField(t testing.TB, pid, n int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndexByte(b, ')')
	fields := strings.Fields(string(b[i+1:])) // from field 3 on
	return fields[n-3]
}

// endServing registers the end of whatever kreafs serves dir: SIGTERM,
// then SIGKILL, and a lazy detach of what is left. A test that unmounts
// by itself leaves it nothing to do.
func endServing(t testing.TB, dir string) {
	registerMountDir(dir)
	t.Cleanup(func() {
		left := false
		for _, pid := range servingPids(dir) {
			left = true
			_ = syscall.Kill(pid, syscall.SIGTERM)
			if kreafstest.Eventually(unmountTimeout, func() error {
				if procState(pid) != 0 && procState(pid) != 'Z' {
					return errors.New("running")
				}
				return nil
			}) != nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if mountsAt(dir) > 0 {
			left = true
			kreafstest.Detach(dir)
		}
		if left && !t.Failed() {
			t.Errorf("a kreafs mount at %s was left running by the test", dir)
		}
	})
}

// waitGone waits until no kreafs serves dir and nothing is mounted there.
func waitGone(t testing.TB, dir string) {
	t.Helper()
	if err := eventually(unmountTimeout, func() error {
		if p := servingPids(dir); len(p) > 0 {
			return errors.New("kreafs " + strconv.Itoa(p[0]) + " still runs")
		}
		if mountsAt(dir) > 0 {
			return errors.New("still mounted")
		}
		return nil
	}); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
}
