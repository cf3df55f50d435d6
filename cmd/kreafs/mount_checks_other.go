//go:build !linux

package main

import (
	"os"
	"path/filepath"
	"syscall"
)

// mountedAt reports whether mp is a mount point: its device differs from
// its parent's.
func mountedAt(mp string) (fstype string, ok bool) {
	var a, b syscall.Stat_t
	if syscall.Stat(mp, &a) != nil || syscall.Stat(filepath.Dir(mp), &b) != nil || mp == string(os.PathSeparator) {
		return "", false
	}
	return "a mount", a.Dev != b.Dev
}
