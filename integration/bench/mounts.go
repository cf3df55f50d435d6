//go:build linux

package main

// The mounts under test: the kreafs binary, and rclone as the peer. Each
// runs as a child process; stop unmounts it and waits for it to exit.
//
// Locking: lockedBuffer.mu guards its buffer (written by os/exec's copying
// goroutines, read when reporting a failure).

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
	"time"
)

// Bounds of mounting and unmounting.
const (
	mountTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
)

// readyPrefix starts the line kreafs prints on stdout once mounted.
const readyPrefix = "kreafs: mounted "

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a mounted file system served by a child process.
type proc struct {
	name   string // "kreafs" or "rclone", for messages
	mp     string // mount point
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // its exit error, once done
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) start() error {
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	p.done = make(chan struct{})
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return nil
}

// startKreafs mounts the kreafs binary at dir/mnt with its cache in
// dir/cache, against apiURL, and waits for its ready line. env adds
// environment variables (KREAFS_PPROF).
func startKreafs(ctx context.Context, bin, apiURL, token, dir string, env []string, extra ...string) (*proc, error) {
	mp, cache := filepath.Join(dir, "mnt"), filepath.Join(dir, "cache")
	for _, d := range []string{mp, cache} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	args := append([]string{"mount", "--api-url", apiURL, "--cache-dir", cache, "--log-level", "warn"}, extra...)
	args = append(args, mp)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "KREA_API_TOKEN="+token), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{name: "kreafs", mp: mp, cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	if err := p.start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.HasPrefix(sc.Text(), readyPrefix) {
				close(ready)
				signalled = true
			}
		}
	}()
	t := time.NewTimer(mountTimeout)
	defer t.Stop()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("kreafs exited before mounting (%v): %s", p.err, lastLines(p.stderr.String(), 5))
	case <-t.C:
		err = fmt.Errorf("kreafs did not mount within %v: %s", mountTimeout, lastLines(p.stderr.String(), 5))
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.stop()
	return nil, err
}

// startRclone mounts url (a plain HTTP file server) with rclone's http
// backend and its full VFS cache in dir/cache, at dir/mnt, and waits until
// the mount shows up in /proc/self/mountinfo.
func startRclone(ctx context.Context, url, dir string) (*proc, error) {
	mp, cache := filepath.Join(dir, "mnt"), filepath.Join(dir, "cache")
	for _, d := range []string{mp, cache} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command("rclone", "mount", ":http:", mp,
		"--http-url", url,
		"--vfs-cache-mode", "full",
		"--cache-dir", cache,
		"--read-only",
		"--log-level", "ERROR")
	// rclone reads its config file at start; give it an empty one.
	cmd.Env = append(os.Environ(), "RCLONE_CONFIG="+filepath.Join(dir, "rclone.conf"))
	p := &proc{name: "rclone", mp: mp, cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
	if err := p.start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(mountTimeout)
	for {
		if mounted(mp) {
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("rclone exited before mounting (%v): %s", p.err, lastLines(p.stderr.String(), 5))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("rclone did not mount within %v: %s", mountTimeout, lastLines(p.stderr.String(), 5))
		}
	}
}

// stop unmounts (SIGTERM: both programs unmount and exit) and waits; a
// process that does not exit in time is killed and its mount detached.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if mounted(p.mp) {
		if err := syscall.Unmount(p.mp, syscall.MNT_DETACH); err != nil {
			_ = exec.Command("fusermount3", "-u", "-z", p.mp).Run()
		}
		return fmt.Errorf("%s left its mount at %s behind (detached)", p.name, p.mp)
	}
	return nil
}

// mounted reports whether mp is a mount point now.
func mounted(mp string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && unescapeMountinfo(f[4]) == mp {
			return true
		}
	}
	return false
}

// unescapeMountinfo undoes the octal escapes (\040 for a space...) of
// /proc/self/mountinfo.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
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

// procStatus reads a "kB" field (VmHWM, VmRSS) of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			break
		}
		return kb << 10, nil
	}
	return 0, errors.New("no " + field + " in /proc/" + strconv.Itoa(pid) + "/status")
}

// lastLines is the tail of a process' output, for error messages.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
