//go:build !unix

package queue

import "os"

// lockDir only creates the lock file on systems without flock; kreafs
// supports Linux and macOS, where lock_unix.go applies.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}
