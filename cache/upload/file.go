package upload

// A queued file's bytes as its handles see them.

import (
	"os"
	"time"
)

// File is a queued file opened through the Session: its spool's bytes,
// read and written in place. The caller closes it (and Releases the item
// at the close of a write handle).
type File struct {
	f *os.File
}

// ReadAt reads the file's bytes.
func (f *File) ReadAt(p []byte, off int64) (int, error) { return f.f.ReadAt(p, off) }

// WriteAt writes the file's bytes, and has the kernel start writing each
// completed step of them to disk (flush.go).
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.f.WriteAt(p, off)
	if err == nil {
		startFlush(f.f, off, int64(n)) // so the fsync at the last close has little left
	}
	return n, err
}

// Truncate sets the file's size.
func (f *File) Truncate(size int64) error { return f.f.Truncate(size) }

// Allocate is fallocate(2) of the file (EOPNOTSUPP where there is none).
func (f *File) Allocate(mode uint32, off, size int64) error { return fallocate(f.f, mode, off, size) }

// Stat says the file's size and last write.
func (f *File) Stat() (size int64, modified time.Time, err error) {
	fi, err := f.f.Stat()
	if err != nil {
		return 0, time.Time{}, err
	}
	return fi.Size(), fi.ModTime(), nil
}

// Fd is the descriptor the kernel reads from (a FUSE read answered from
// the file itself).
func (f *File) Fd() uintptr { return f.f.Fd() }

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }
