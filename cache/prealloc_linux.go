//go:build linux

package cache

import (
	"os"
	"syscall"
)

// preallocate allocates blocks for [off, off+n) of f without changing its
// size (FALLOC_FL_KEEP_SIZE).
func preallocate(f *os.File, off, n int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), fallocKeepSize, off, n)
		if err != syscall.EINTR {
			return err
		}
	}
}
