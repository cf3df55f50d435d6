package kreafstest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// startSh starts sh -c script as a process "mounted" at a fresh directory
// that never becomes a mount point.
func startSh(t *testing.T, script, ready string) *Process {
	t.Helper()
	p, err := Start("sh", exec.Command("sh", "-c", script), filepath.Join(t.TempDir(), "mnt"), ready)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.ForceEnd(5 * time.Second) })
	return p
}

func TestWaitReadyReturnsOnceTheReadyLineIsPrintedAndStopEndsTheProcess(t *testing.T) {
	p := startSh(t, `echo starting; echo "kreafs: mounted /m"; exec sleep 30`, ReadyPrefix)
	if err := p.WaitReady(context.Background(), 10*time.Second); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	if out := p.Stdout(); !strings.Contains(out, "starting\nkreafs: mounted /m\n") {
		t.Errorf("stdout %q lacks the lines printed", out)
	}
	if err := p.Stop(10 * time.Second); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if !p.Exited() {
		t.Error("the process runs after Stop")
	}
}

func TestWaitReadySaysWhenTheProcessExitsBeforeMounting(t *testing.T) {
	p := startSh(t, `echo "bad flag" >&2; exit 2`, ReadyPrefix)
	err := p.WaitReady(context.Background(), 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "sh exited before mounting") {
		t.Fatalf("WaitReady: %v, want an error saying it exited", err)
	}
	var exit *exec.ExitError
	if !errors.As(p.WaitErr(), &exit) || exit.ExitCode() != 2 {
		t.Errorf("WaitErr: %v, want exit status 2", p.WaitErr())
	}
	if got := p.Stderr(); got != "bad flag\n" {
		t.Errorf("stderr %q, want the message printed", got)
	}
}

func TestWaitReadyTimesOutWithoutTheReadyLineOrAMount(t *testing.T) {
	for _, ready := range []string{ReadyPrefix, ""} {
		p := startSh(t, `echo "kreafs: mount soon"; exec sleep 30`, ready)
		start := time.Now()
		err := p.WaitReady(context.Background(), 300*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "within 300ms") {
			t.Errorf("ready %q: WaitReady: %v, want a timeout", ready, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("ready %q: WaitReady took %v", ready, d)
		}
		if p.Exited() {
			t.Errorf("ready %q: WaitReady ended the process", ready)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := p.WaitReady(ctx, time.Minute); !errors.Is(err, context.Canceled) {
			t.Errorf("ready %q: WaitReady with an ended context: %v", ready, err)
		}
	}
}

func TestStopKillsAProcessThatIgnoresSIGTERM(t *testing.T) {
	p := startSh(t, `trap "" TERM; echo "kreafs: mounted /m"; while :; do sleep 0.05; done`, ReadyPrefix)
	if err := p.WaitReady(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Stop(300 * time.Millisecond); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if !p.Exited() {
		t.Fatal("the process runs after Stop")
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("Stop returned after %v: SIGTERM should have been ignored", d)
	}
}

func TestMountinfoUnescapesOctalEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`/tmp/a\040b`:     "/tmp/a b",
		`/tmp/tab\011end`: "/tmp/tab\tend",
		`/tmp/plain`:      "/tmp/plain",
		`/tmp/short\04`:   `/tmp/short\04`,
	} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescapeMountinfo(%q) = %q, want %q", in, got, want)
		}
	}
	if MountsAt("/") < 1 {
		t.Error("MountsAt(/) is 0: /proc/self/mountinfo not read")
	}
}

func TestWithoutAReadyLineTheMountItselfIsWaitedForAndALeftoverMountIsDetached(t *testing.T) {
	RequireFUSE(t)
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := Start("sleep", exec.Command("sleep", "30"), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.ForceEnd(5 * time.Second) })
	// Another party mounts dir a moment later, as rclone would.
	mounted := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		_, err := fusefs.Mount(dir, &fusefs.Inode{}, &fusefs.Options{
			MountOptions: fuse.MountOptions{Name: "kreafstest", DirectMount: os.Geteuid() == 0},
		})
		mounted <- err
	}()
	if err := p.WaitReady(context.Background(), 10*time.Second); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	if err := <-mounted; err != nil {
		t.Fatal(err)
	}
	if MountsAt(dir) != 1 {
		t.Fatalf("%s has %d mounts, want 1", dir, MountsAt(dir))
	}
	// The process exits without unmounting: Stop detaches and says so.
	err = p.Stop(10 * time.Second)
	if err == nil || !strings.Contains(err.Error(), "left its mount") {
		t.Errorf("Stop: %v, want an error about the mount left behind", err)
	}
	if Mounted(dir) {
		t.Errorf("%s is still mounted after Stop", dir)
	}
}
