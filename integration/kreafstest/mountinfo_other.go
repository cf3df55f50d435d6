//go:build !linux

package kreafstest

import "syscall"

// MountsAt counts the mounts stacked on dir; without /proc/self/mountinfo
// it knows of none.
func MountsAt(dir string) int { return 0 }

// Mounted reports whether dir is a mount point now.
func Mounted(dir string) bool { return false }

// Detach unmounts dir.
func Detach(dir string) { _ = syscall.Unmount(dir, 0) }
