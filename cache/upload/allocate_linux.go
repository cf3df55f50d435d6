package upload

import (
	"os"
	"syscall"
)

// fallocate is fallocate(2) on a spool file.
func fallocate(f *os.File, mode uint32, off, size int64) error {
	return syscall.Fallocate(int(f.Fd()), mode, off, size)
}
