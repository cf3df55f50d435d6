package node

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

// ToErrno is the one mapping from errors to what a FUSE call returns.
// Order matters: the first matching row wins.
//
//	nil                               -> 0
//	syscall.Errno (wrapped or not)    -> itself (e.g. ENOSPC from the cache disk),
//	                                     unless it comes from a network call (below)
//	context.Canceled                  -> EINTR  (the caller was interrupted, Ctrl-C)
//	context.DeadlineExceeded          -> EIO    (a stalled transfer or a slow API; see below)
//	api.ErrNotFound, api.ErrGone      -> ENOENT
//	fs.ErrNotExist                    -> ENOENT
//	api.ErrUnauthorized, ErrForbidden -> EACCES (token rejected or lacks the right)
//	fs.ErrPermission                  -> EACCES
//	api.ErrTooLarge                   -> EFBIG  (413)
//	api.ErrPaymentRequired            -> EDQUOT (out of credits: "Disk quota exceeded")
//	api.ErrBadRequest, ErrValidation,
//	api.ErrUnsupportedMedia           -> EINVAL (400, 422, 415: the message says why)
//	api.ErrConflict                   -> EBUSY  (409)
//	anything else                     -> EIO    (5xx and 429 after retries, network errors)
//
// A network call's errno (ECONNREFUSED, ECONNRESET, ...) is not passed
// through: the net package wraps it in an *os.SyscallError ("connect:
// connection refused"), while a local file's errno comes in an
// *fs.PathError. So an errno inside an *os.SyscallError and no
// *fs.PathError is a network error: EIO, as documented ("Connection
// refused" from cat would blame the wrong thing).
//
// Timeouts give EIO rather than ETIMEDOUT: a read that stalled is an I/O
// error to every program, and shells print ETIMEDOUT as "Connection timed
// out", which reads like a network setting problem rather than a failed
// read.
func ToErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var en syscall.Errno
	switch {
	case errors.As(err, &en) && !networkErrno(err):
		if en == 0 {
			return syscall.EIO
		}
		return en
	case errors.Is(err, context.Canceled):
		return syscall.EINTR
	case errors.Is(err, context.DeadlineExceeded):
		return syscall.EIO
	case errors.Is(err, api.ErrNotFound), errors.Is(err, api.ErrGone), errors.Is(err, fs.ErrNotExist):
		return syscall.ENOENT
	case errors.Is(err, api.ErrUnauthorized), errors.Is(err, api.ErrForbidden), errors.Is(err, fs.ErrPermission):
		return syscall.EACCES
	case errors.Is(err, api.ErrTooLarge):
		return syscall.EFBIG
	case errors.Is(err, api.ErrPaymentRequired):
		return syscall.EDQUOT
	case errors.Is(err, api.ErrBadRequest), errors.Is(err, api.ErrValidation), errors.Is(err, api.ErrUnsupportedMedia):
		return syscall.EINVAL
	case errors.Is(err, api.ErrConflict):
		return syscall.EBUSY
	}
	return syscall.EIO
}

// networkErrno reports whether err's errno came from a network system call
// (wrapped in *os.SyscallError by package net) rather than a local file
// operation (*fs.PathError).
func networkErrno(err error) bool {
	var se *os.SyscallError
	var pe *fs.PathError
	return errors.As(err, &se) && !errors.As(err, &pe)
}

// Fail maps err with ToErrno and logs it once: at debug level for the
// outcomes a user causes or expects (interrupted, not found), at warning
// level for everything else. fields name the object (op, path, id).
// Errors other than EINTR and ENOENT are also kept in Errors
// (MOUNT/.kreafs/errors).
func Fail(log logrus.FieldLogger, fields logrus.Fields, err error) syscall.Errno {
	en := ToErrno(err)
	if en == 0 {
		return 0
	}
	l := log.WithFields(fields).WithError(err).WithField("errno", en.Error())
	switch en {
	case syscall.EINTR, syscall.ENOENT:
		l.Debug("fuse op failed")
	default:
		l.Warn("fuse op failed")
		Errors.record(fields, en, err)
	}
	return en
}
