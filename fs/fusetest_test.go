package fs

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// requireFUSE skips a test that needs a real FUSE mount when this machine
// cannot mount one (no /dev/fuse, not Linux, not root: the tests mount
// directly, or fusermount3 otherwise), unless KREAFS_REQUIRE_FUSE=1, which makes that a failure (CI).
func requireFUSE(t *testing.T) {
	t.Helper()
	reason := ""
	switch {
	case runtime.GOOS != "linux":
		reason = "FUSE mount tests run on Linux only"
	default:
		if os.Geteuid() != 0 {
			if _, err := exec.LookPath("fusermount3"); err != nil {
				reason = "not root and no fusermount3"
				break
			}
		}
		if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err != nil {
			reason = "no usable /dev/fuse: " + err.Error()
		} else {
			f.Close()
		}
	}
	if reason == "" {
		return
	}
	if os.Getenv("KREAFS_REQUIRE_FUSE") == "1" {
		t.Fatalf("KREAFS_REQUIRE_FUSE=1 but %s", reason)
	}
	t.Skip(reason)
}
