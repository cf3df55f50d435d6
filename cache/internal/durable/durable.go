// Package durable writes the files kreafs keeps across restarts, in one
// way for every package under cache/: the content index, the upload
// journal, the local state (user modification times, kept names, hidden
// jobs, saved listings).
//
// Rules:
//   - WriteFile replaces a file atomically and durably: the bytes go to a
//     temporary file in the same directory (".<name>.<random>.tmp", 0600),
//     which is fsynced, renamed over the file, and the directory fsynced.
//     A crash leaves the old file or the new one, never a mix; at worst a
//     temporary file stays behind (RemoveTemps clears them).
//   - Files are 0600 and directories 0700 (MkdirPrivate), whatever the
//     umask: everything here belongs to the user alone.
//   - SyncDir and SyncFile fsync; a directory that the platform cannot
//     fsync (EINVAL, ENOTSUP) counts as synced.
//   - LockDir takes an exclusive flock on <dir>/lock so that one process
//     at a time uses a directory. On a file system without locks (some
//     network mounts) it fails rather than run unlocked: two processes on
//     one cache or one upload queue would corrupt it or upload twice.
//   - CopyFile writes a new file (never over an existing one) and fsyncs
//     it; CopyRange copies between open files and leaves syncing to the
//     caller.
//   - OpenFile and Open open regular files and directories as os.OpenFile
//     and os.Open do, minus the network poller's set-up (four fcntl and a
//     failing epoll_ctl per open): use them where kreafs opens a file once
//     per copied file, never for a pipe or a device.
//   - A GroupSync keeps its path open between fsyncs; whoever replaces
//     that path by a rename calls its Reset (syncer.go).
package durable

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

const (
	// FilePerm is the mode of every file written here.
	FilePerm = 0o600
	// DirPerm is the mode of every directory made here.
	DirPerm = 0o700
)

// WriteFile replaces the file at path with data, atomically and durably
// (temporary file, fsync, rename, fsync of the directory).
func WriteFile(path string, data []byte) error {
	return Syncer(nil).WriteFile(path, data)
}

// IsTemp reports whether name (a base name) is a temporary file of
// WriteFile.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp")
}

// RemoveTemps removes what interrupted WriteFiles of path left behind.
func RemoveTemps(path string) {
	dir, base := filepath.Split(path)
	left, _ := filepath.Glob(filepath.Join(dir, "."+escapeGlob(base)+".*.tmp"))
	for _, p := range left {
		os.Remove(p)
	}
}

func escapeGlob(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

// SyncDir fsyncs a directory so that renames and removals in it are
// durable.
func SyncDir(dir string) error { return Syncer(nil).SyncDir(dir) }

// unsyncable: the platform does not fsync directories.
func unsyncable(err error) bool {
	return errors.Is(err, os.ErrInvalid) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}

// SyncFile fsyncs the file at path.
func SyncFile(path string) error { return Syncer(nil).SyncFile(path) }

// MkdirPrivate creates dir (and parents) and makes it 0700 whatever the
// umask.
func MkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, DirPerm); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() != DirPerm {
		return os.Chmod(dir, DirPerm)
	}
	return nil
}

// CopyFile copies src into a new file dst (0600), streaming, and fsyncs
// it. dst must not exist; on failure it is removed.
func CopyFile(dst, src string) error {
	in, err := Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, FilePerm)
	if err != nil {
		return err
	}
	err = CopyRange(out, in, st.Size())
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}

// CopyRange copies the first size bytes of src into dst (made 0600) at
// dst's offset, without moving src's file offset: through a second open
// file description of src where the platform has one (so that the kernel
// copies or shares blocks: copy_file_range), else through a buffer. A src
// shorter than size is io.ErrUnexpectedEOF. Not fsynced.
func CopyRange(dst, src *os.File, size int64) error {
	if err := dst.Chmod(FilePerm); err != nil {
		return err
	}
	var n int64
	var err error
	if re, rerr := reopen(src); rerr == nil {
		n, err = dst.ReadFrom(io.LimitReader(re, size))
		re.Close()
	} else {
		n, err = io.CopyBuffer(dst, io.NewSectionReader(src, 0, size), make([]byte, 1<<20))
	}
	if err != nil {
		return err
	}
	if n != size {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// Open is os.Open through OpenFile (no poller registration).
func Open(path string) (*os.File, error) { return OpenFile(path, os.O_RDONLY, 0) }
