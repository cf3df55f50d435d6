//go:build !linux && !darwin

package durable

import "os"

// OpenFile is os.OpenFile where open_unix.go does not apply.
func OpenFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}
