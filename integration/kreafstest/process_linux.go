package kreafstest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ReadyPrefix starts the one line kreafs prints on stdout once mounted.
const ReadyPrefix = "kreafs: mounted "

// Process is a file system served by a child process (kreafs, or rclone
// as the benchmark's peer) with its output kept.
type Process struct {
	Name  string // "kreafs" or "rclone", for messages
	Dir   string // the mount point
	Cmd   *exec.Cmd
	watch string // the ready line's prefix; "" waits for the mount itself

	stdout, stderr *SyncBuffer
	ready          <-chan struct{} // closed once stdout has the ready line
	done           chan struct{}   // closed when the process has exited
	waitErr        error           // valid after done
}

// Start starts cmd, whose stdout and stderr it keeps, as a file system
// mounted at dir. With ready set, the mount is ready once a line of stdout
// starts with it (ReadyPrefix for kreafs); otherwise once dir shows up in
// /proc/self/mountinfo. dir is registered for LeftoverMounts.
func Start(name string, cmd *exec.Cmd, dir, ready string) (*Process, error) {
	p := &Process{
		Name: name, Dir: dir, Cmd: cmd, watch: ready,
		stdout: &SyncBuffer{}, stderr: &SyncBuffer{}, done: make(chan struct{}),
	}
	if ready != "" {
		p.ready = p.stdout.Watch(ready)
	}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	RegisterMountDir(dir)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.Cmd.Process.Pid }

// Stdout and Stderr are the process' output so far.
func (p *Process) Stdout() string { return p.stdout.String() }
func (p *Process) Stderr() string { return p.stderr.String() }

// Ready is closed once stdout has the ready line (nil without one).
func (p *Process) Ready() <-chan struct{} { return p.ready }

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// WaitErr is the process' exit error; call it only after Done.
func (p *Process) WaitErr() error { return p.waitErr }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitReady waits until the file system is mounted, the process exits,
// timeout passes or ctx ends, and says which (nil: mounted). It leaves a
// process that is not ready running.
func (p *Process) WaitReady(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	var poll <-chan time.Time
	if p.ready == nil {
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		poll = tk.C
		if Mounted(p.Dir) {
			return nil
		}
	}
	for {
		select {
		case <-p.ready:
			return nil
		case <-poll:
			if Mounted(p.Dir) {
				return nil
			}
		case <-p.done:
			return fmt.Errorf("%s exited before mounting (%v)", p.Name, p.waitErr)
		case <-t.C:
			if p.watch != "" {
				return fmt.Errorf("%s did not print %q within %v", p.Name, p.watch, timeout)
			}
			return fmt.Errorf("%s did not mount within %v", p.Name, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Signal sends sig to the process, unless it has exited.
func (p *Process) Signal(sig os.Signal) error {
	if err := p.Cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// Kill sends SIGKILL, leaving its mount behind (as a crash would), and
// waits at most timeout for the process to be gone; false if it was not.
func (p *Process) Kill(timeout time.Duration) bool {
	_ = p.Cmd.Process.Kill()
	return p.waitDone(timeout)
}

// Stop unmounts (SIGTERM: kreafs and rclone both unmount and exit) and
// waits; a process that does not exit within timeout is killed. A mount
// left behind is detached and reported as an error.
func (p *Process) Stop(timeout time.Duration) error {
	if p.Exited() {
		return nil
	}
	_ = p.Signal(syscall.SIGTERM)
	if !p.waitDone(timeout) {
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
	if Mounted(p.Dir) {
		Detach(p.Dir)
		return fmt.Errorf("%s left its mount at %s behind (detached)", p.Name, p.Dir)
	}
	return nil
}

// ForceEnd kills the process and lazily unmounts its mount point.
func (p *Process) ForceEnd(timeout time.Duration) {
	p.Kill(timeout)
	Detach(p.Dir)
}

func (p *Process) waitDone(timeout time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		return false
	}
}
