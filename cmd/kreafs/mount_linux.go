package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// detachStale removes a dead FUSE mount: umount2(MNT_DETACH) as root,
// fusermount3 -uz otherwise.
func detachStale(mp string) error {
	return lazyUnmount(mp)
}

// lazyUnmount detaches mp now; the kernel finishes it when the last open
// file there is closed.
func lazyUnmount(mp string) error {
	if os.Geteuid() == 0 {
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err == nil {
			return nil
		}
	}
	var lastErr error
	for _, bin := range []string{"fusermount3", "fusermount"} {
		path, err := exec.LookPath(bin)
		if err != nil {
			lastErr = err
			continue
		}
		var out bytes.Buffer
		cmd := exec.Command(path, "-u", "-z", mp)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s -uz: %v: %s", bin, err, strings.TrimSpace(out.String()))
		}
		return nil
	}
	return fmt.Errorf("cannot unmount %s: not root and no fusermount3: %v", mp, lastErr)
}
