package durable

import "errors"

// ErrLocked: another process holds the directory's lock.
var ErrLocked = errors.New("directory in use by another process")
