//go:build linux

package integration

// kreafs run as a system tool: in the background, from a shell that ends,
// with a closed output pipe, under systemd's notify protocol, ended by
// kreafs unmount.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// kreafs mount --daemon, run by a shell that then ends, returns 0 once the
// mount works; the mount runs on in its own session without a terminal,
// shrugs off SIGHUP, and kreafs unmount ends it.
func TestDaemonReturnsZeroOnceMountedAndOutlivesTheShellThatStartedIt(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(7101, 8, 8), "daemon.png")
	dir := newMountDir(t)
	endServing(t, dir)
	logFile := filepath.Join(t.TempDir(), "kreafs.log")
	ctx, cancel := context.WithTimeout(context.Background(), mountTimeout)
	defer cancel()
	sh := exec.CommandContext(ctx, "sh", "-c", `"$0" mount --daemon --api-url "$1" --token-file "$2" --cache-dir "$3" --log-file "$4" "$5"; echo "status=$?"`,
		kreafsBin, emu.URL(), tokenFile(t, emu), filepath.Join(t.TempDir(), "cache"), logFile, dir)
	sh.Env = baseEnv(t)
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sh.WaitDelay = 2 * time.Second // returns although the daemon holds no pipe of ours
	out, err := sh.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "status=0") || !strings.Contains(string(out), readyPrefix) {
		t.Fatalf("the shell: %v\n%s", err, out)
	}
	if n := mountsAt(dir); n != 1 {
		t.Fatalf("--daemon returned 0 but %d mounts are at %s", n, dir)
	}
	pids := servingPids(dir)
	if len(pids) != 1 {
		t.Fatalf("%d kreafs processes serve %s, want the one background copy", len(pids), dir)
	}
	pid := pids[0]
	// Its own session, no controlling terminal: the end of the shell's
	// session (a closed terminal) does not reach it.
	if sid := procStatField(t, pid, 6); sid != strconv.Itoa(pid) {
		t.Errorf("the background kreafs is in session %s, want its own (%d)", sid, pid)
	}
	if tty := procStatField(t, pid, 7); tty != "0" {
		t.Errorf("the background kreafs has controlling terminal %s, want none", tty)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := listNames(t, filepath.Join(dir, "assets")); !slices.Contains(got, "daemon.png") {
		t.Fatalf("after the shell ended and a SIGHUP, assets/ shows %q", got)
	}

	stdout, stderr, status := runKreafs(t, "", nil, "unmount", dir)
	if status != 0 {
		t.Fatalf("kreafs unmount: status %d\n%s%s", status, stdout, stderr)
	}
	waitGone(t, dir)
	b, _ := os.ReadFile(logFile)
	if !strings.Contains(string(b), `msg=mounted`) || !strings.Contains(string(b), `msg=unmounting`) {
		t.Errorf("the --log-file lacks the mount's lines:\n%s", b)
	}
	if strings.Contains(string(b), emu.Token()) {
		t.Errorf("the token is in the log file")
	}
}

// SIGHUP to a mount in the foreground (a closed terminal, or "reload")
// forgets the directory listings: a new asset shows at once although the
// listing TTL is an hour. The mount stays.
func TestSIGHUPToAForegroundMountForgetsListingsAndKeepsTheMount(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(7201, 8, 8), "before.png")
	m := mount(t, emu, "--dir-cache-ttl", "1h")
	if got := listNames(t, m.Path("assets")); !slices.Contains(got, "before.png") {
		t.Fatalf("assets/ shows %q", got)
	}
	emu.add(makePNG(7202, 8, 8), "after.png")
	if got := listNames(t, m.Path("assets")); slices.Contains(got, "after.png") {
		t.Fatalf("with a 1h listing TTL the new asset showed without SIGHUP: %q (the test proves nothing)", got)
	}
	if err := m.p.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := eventually(5*time.Second, func() error {
		if got := listNames(t, m.Path("assets")); !slices.Contains(got, "after.png") {
			return fmt.Errorf("assets/ shows %q", got)
		}
		return nil
	}); err != nil {
		t.Fatalf("after SIGHUP: %v", err)
	}
	if m.Exited() || mountsAt(m.Dir) != 1 {
		t.Fatalf("SIGHUP ended the mount (exited %v)", m.Exited())
	}
}

// kreafs mount ... 2>&1 | head -1: head exits after one line, and the
// mount goes on (its writes to the closed pipe fail quietly) until told
// to stop, then exits 0.
func TestAClosedOutputPipeKeepsAForegroundMountAlive(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "bash")
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(7301, 8, 8), "piped.png")
	dir := newMountDir(t)
	endServing(t, dir)
	tmp := t.TempDir()
	first, status := filepath.Join(tmp, "first"), filepath.Join(tmp, "status")
	sh := exec.Command("bash", "-c", `"$0" mount --log-level debug --api-url "$1" --token-file "$2" --cache-dir "$3" "$4" 2>&1 | head -1 > "$5"; echo "${PIPESTATUS[0]}" > "$6"`,
		kreafsBin, emu.URL(), tokenFile(t, emu), filepath.Join(tmp, "cache"), dir, first, status)
	sh.Env = baseEnv(t)
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sh.Wait() }()
	if err := eventually(mountTimeout, func() error {
		if b, _ := os.ReadFile(first); len(b) == 0 || mountsAt(dir) != 1 {
			return fmt.Errorf("not mounted yet, or head read nothing")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Each of these logs debug lines into the closed pipe.
	for i := 0; i < 3; i++ {
		if got := listNames(t, filepath.Join(dir, "assets")); !slices.Contains(got, "piped.png") {
			t.Fatalf("assets/ shows %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pids := servingPids(dir)
	if len(pids) != 1 || mountsAt(dir) != 1 {
		t.Fatalf("after head exited: %d kreafs processes, %d mounts", len(pids), mountsAt(dir))
	}
	if err := syscall.Kill(pids[0], syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(unmountTimeout):
		t.Fatal("the pipeline did not end after SIGTERM")
	}
	if b, _ := os.ReadFile(status); strings.TrimSpace(string(b)) != "0" {
		t.Errorf("kreafs exited with status %q, want 0", strings.TrimSpace(string(b)))
	}
	waitGone(t, dir)
}

// With NOTIFY_SOCKET set (systemd Type=notify), kreafs says READY=1 once
// mounted, STOPPING=1 when told to stop, then STATUS= lines while the
// queued upload drains.
func TestSystemdNotifyMessagesArriveInOrder(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	sockDir, err := os.MkdirTemp("", "kn") // short: a socket path has 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	next := func(what string) string {
		t.Helper()
		select {
		case m := <-msgs:
			return m
		case <-time.After(unmountTimeout):
			t.Fatalf("no notify message while waiting for %s", what)
		}
		return ""
	}

	emu := startEmulator(t, emulator.Options{})
	m := mountWith(t, emu, mountOpts{Flags: []string{"--upload-delay", "1h"}, Env: []string{"NOTIFY_SOCKET=" + sock}})
	ready := next("READY=1")
	if !strings.Contains(ready, "READY=1") || !strings.Contains(ready, "MAINPID="+strconv.Itoa(m.Pid())) ||
		!strings.Contains(ready, "STATUS=mounted") {
		t.Fatalf("first message %q, want READY=1 with STATUS= and MAINPID=%d", ready, m.Pid())
	}
	run(t, "cp", writeTemp(t, "drained.png", makePNG(7401, 16, 16)), m.Path("assets"))
	emu.SetLatency(time.Second) // the drain takes a moment
	m.Signal(syscall.SIGTERM)
	if got := next("STOPPING=1"); got != "STOPPING=1" {
		t.Fatalf("message after SIGTERM %q, want STOPPING=1", got)
	}
	if got := next("STATUS="); !strings.HasPrefix(got, "STATUS=") || !strings.Contains(got, "uploading 1 queued files") {
		t.Fatalf("message while draining %q, want a STATUS= line about the upload", got)
	}
	m.WaitExit(0)
	if n := len(emu.assetsNamed("drained.png")); n != 1 {
		t.Errorf("%d assets named drained.png after the drain, want 1", n)
	}
}

// KREAFS_CACHE_DIR sets --cache-dir; a flag given wins over it.
func TestKreafsCacheDirVariableIsHonouredAndTheFlagWins(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	fromEnv := filepath.Join(t.TempDir(), "env-cache")
	m := mountWith(t, emu, mountOpts{NoCache: true, Env: []string{"KREAFS_CACHE_DIR=" + fromEnv}})
	listNames(t, m.Path("assets"))
	// The "mounted" log line follows the ready line.
	logSays := func(m *Mount, s string) bool {
		return eventually(5*time.Second, func() error {
			if !strings.Contains(m.Stderr(), s) {
				return fmt.Errorf("no %q", s)
			}
			return nil
		}) == nil
	}
	if !logSays(m, "cache_dir="+fromEnv) {
		t.Errorf("the mounted line does not name cache_dir=%s", fromEnv)
	}
	if _, err := os.Stat(filepath.Join(fromEnv, "uploads")); err != nil {
		t.Errorf("nothing in KREAFS_CACHE_DIR: %v", err)
	}
	m.Stop()

	flag := filepath.Join(t.TempDir(), "flag-cache")
	other := filepath.Join(t.TempDir(), "unused")
	m2 := mountWith(t, emu, mountOpts{CacheDir: flag, Env: []string{"KREAFS_CACHE_DIR=" + other}})
	if !logSays(m2, "cache_dir="+flag) {
		t.Errorf("--cache-dir did not win over KREAFS_CACHE_DIR")
	}
	if _, err := os.Stat(other); err == nil {
		t.Errorf("KREAFS_CACHE_DIR was used although --cache-dir was given")
	}
}

// kreafs unmount ends a mount as Ctrl-C does: it returns once kreafs has
// sent the queued upload and exited.
func TestUnmountWaitsForAQueuedUploadBeforeReturning(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu, "--upload-delay", "1h")
	run(t, "cp", writeTemp(t, "queued.png", makePNG(7501, 16, 16)), m.Path("assets"))
	if n := emu.UploadCount(); n != 0 {
		t.Fatalf("%d uploads before unmount with a 1h delay", n)
	}
	emu.SetLatency(1500 * time.Millisecond) // each API request of the upload
	start := time.Now()
	stdout, stderr, status := runKreafs(t, "", nil, "unmount", m.Dir)
	took := time.Since(start)
	if status != 0 {
		t.Fatalf("kreafs unmount: status %d\n%s%s", status, stdout, stderr)
	}
	if n := len(emu.assetsNamed("queued.png")); n != 1 {
		t.Fatalf("kreafs unmount returned after %v with %d assets named queued.png, want the upload done", took, n)
	}
	select {
	case <-m.done:
	case <-time.After(2 * time.Second):
		t.Fatal("kreafs unmount returned while kreafs still ran")
	}
	m.WaitExit(0)
	t.Logf("kreafs unmount took %v", took.Round(time.Millisecond))
}
