//go:build linux || darwin

package durable

import (
	"errors"
	"os"
	"syscall"
)

// OpenFile is os.OpenFile (same flags, with O_CLOEXEC; perm's permission
// bits) for a regular file or a directory, without registering the
// descriptor with Go's network poller: os.OpenFile puts every descriptor
// in non-blocking mode, tries to register it (which epoll refuses for a
// file: EPERM) and puts it back in blocking mode, four fcntl and one
// epoll_ctl per open wasted on a file. The *os.File works as usual (Read,
// ReadAt, Write, Stat, Sync, Close), with blocking I/O, which is what a
// file gets from os.OpenFile too. Not for pipes, FIFOs or devices, whose
// reads must not block a thread. Errors are *os.PathError with Op "open",
// as from os.OpenFile (errors.Is(err, os.ErrExist) and the like hold).
func OpenFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == nil {
			return os.NewFile(uintptr(fd), path), nil
		}
		if !errors.Is(err, syscall.EINTR) {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
	}
}
