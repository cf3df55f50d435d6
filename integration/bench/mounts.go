//go:build linux

package main

// The mounts under test: the kreafs binary, and rclone as the peer. Each
// runs as a child process; stop unmounts it and waits for it to exit.
//
// The process, its output and its mount are kreafstest's (shared with the
// integration tests).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kreafs/kreafs/integration/kreafstest"
)

// Bounds of mounting and unmounting.
const (
	mountTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
)

// lockedBuffer collects a program's output while it runs.
type lockedBuffer = kreafstest.SyncBuffer

// lastLines is the tail of a process' output, for error messages.
var lastLines = kreafstest.LastLines

// proc is a mounted file system served by a child process.
type proc struct {
	*kreafstest.Process
	mp string // mount point
}

func (p *proc) pid() int { return p.Pid() }

// stop unmounts (SIGTERM) and waits; a process that does not exit in time
// is killed and its mount detached.
func (p *proc) stop() error { return p.Stop(stopTimeout) }

// waitMounted waits for p's mount and stops p when it does not come.
func waitMounted(ctx context.Context, p *kreafstest.Process) (*proc, error) {
	if err := p.WaitReady(ctx, mountTimeout); err != nil {
		if ctx.Err() == nil {
			err = fmt.Errorf("%v: %s", err, lastLines(p.Stderr(), 5))
		}
		_ = p.Stop(stopTimeout)
		return nil, err
	}
	return &proc{Process: p, mp: p.Dir}, nil
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
	p, err := kreafstest.Start("kreafs", cmd, mp, kreafstest.ReadyPrefix)
	if err != nil {
		return nil, err
	}
	return waitMounted(ctx, p)
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
	p, err := kreafstest.Start("rclone", cmd, mp, "")
	if err != nil {
		return nil, err
	}
	return waitMounted(ctx, p)
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
