//go:build unix

package durable

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockDir takes an exclusive, non-blocking flock on <dir>/lock (created
// 0600) and returns the open lock file: closing it releases the lock, and
// the kernel drops it if the process dies. A lock held by another process
// is ErrLocked; a file system without locks is an error too (see the
// package comment).
func LockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, FilePerm)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(FilePerm); err != nil {
		f.Close()
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		switch {
		case errors.Is(err, syscall.EWOULDBLOCK):
			return nil, ErrLocked
		case errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOLCK):
			return nil, fmt.Errorf("lock %s: the file system does not support locks; use a local directory: %w", path, err)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
