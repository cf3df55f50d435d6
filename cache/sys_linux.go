//go:build linux

package cache

import (
	"os"
	"strconv"
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

// reopen opens f again (a new file description with its own offset), also
// when f's name was removed.
func reopen(f *os.File) (*os.File, error) {
	return os.Open("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
}
