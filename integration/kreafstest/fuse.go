package kreafstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"testing"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

var (
	fuseOnce sync.Once
	fuseErr  error
)

// FUSERequired reports whether KREAFS_REQUIRE_FUSE=1 (as in CI): a missing
// FUSE or program then fails a test instead of skipping it.
func FUSERequired() bool { return os.Getenv("KREAFS_REQUIRE_FUSE") == "1" }

// RequireFUSE skips the test when this machine cannot mount FUSE file
// systems, or fails it when KREAFS_REQUIRE_FUSE=1. The probe mounts an
// empty go-fuse file system once per test binary.
func RequireFUSE(t testing.TB) {
	t.Helper()
	fuseOnce.Do(func() { fuseErr = probeFUSE() })
	if fuseErr == nil {
		return
	}
	if FUSERequired() {
		t.Fatalf("FUSE is required (KREAFS_REQUIRE_FUSE=1) but unusable: %v", fuseErr)
	}
	t.Skipf("FUSE unusable, skipping (set KREAFS_REQUIRE_FUSE=1 to fail instead): %v", fuseErr)
}

func probeFUSE() error {
	if runtime.GOOS != "linux" {
		return errors.New("FUSE mount tests run on Linux only")
	}
	if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err != nil {
		return fmt.Errorf("no usable /dev/fuse: %w", err)
	} else {
		f.Close()
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
		Detach(dir)
		return fmt.Errorf("probe unmount: %w", err)
	}
	return nil
}

// NeedProgram skips the test when a program is not installed, or fails it
// when KREAFS_REQUIRE_FUSE=1 (CI installs them all; see .ci/run).
func NeedProgram(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if FUSERequired() {
			t.Fatalf("%s is required but not installed", name)
		}
		t.Skipf("%s not installed", name)
	}
}
