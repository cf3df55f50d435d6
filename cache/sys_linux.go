//go:build linux

package cache

import (
	"os"
	"syscall"
)

const (
	fallocKeepSize  = 0x1 // FALLOC_FL_KEEP_SIZE
	fallocPunchHole = 0x2 // FALLOC_FL_PUNCH_HOLE
)

// punchHole frees [off, off+n) of f (it reads back as zeros; the file keeps
// its size).
func punchHole(f *os.File, off, n int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), fallocPunchHole|fallocKeepSize, off, n)
		if err != syscall.EINTR {
			return err
		}
	}
}
