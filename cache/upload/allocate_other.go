//go:build !linux

package upload

import (
	"os"
	"syscall"
)

// fallocate: macOS has no fallocate(2) (macFUSE does not send it either);
// programs fall back to writing.
func fallocate(f *os.File, mode uint32, off, size int64) error {
	return syscall.EOPNOTSUPP
}
