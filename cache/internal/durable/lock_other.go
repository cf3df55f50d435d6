//go:build !unix

package durable

import (
	"os"
	"path/filepath"
)

// LockDir only creates <dir>/lock where there is no flock; kreafs runs on
// Linux and macOS, where lock_unix.go applies.
func LockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, FilePerm)
}
