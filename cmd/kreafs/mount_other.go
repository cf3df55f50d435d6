//go:build !linux

package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// detachStale removes a dead mount (macOS: umount -f).
func detachStale(mp string) error {
	return lazyUnmount(mp)
}

// lazyUnmount forces mp off (macOS has no lazy unmount; -f is closest).
func lazyUnmount(mp string) error {
	var out bytes.Buffer
	cmd := exec.Command("umount", "-f", mp)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("umount -f: %v: %s", err, strings.TrimSpace(out.String()))
	}
	return nil
}
