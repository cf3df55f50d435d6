package node

// What jobs/ and styles/ share for their generated files (job.json,
// status, style.json): the cache lifetimes of what never changes and of
// what may, the open flags that would change a file, and the handle of a
// fixed snapshot.

import (
	"context"
	"errors"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/api"
)

// FinishedTTL is how long the kernel keeps entries and attributes of a
// finished job: finished jobs never change.
const FinishedTTL = time.Hour

// NoCacheTTL is the attribute timeout of files that change while a job
// runs (job.json, status): the smallest non-zero value, since go-fuse
// replaces 0 by the mount's default.
const NoCacheTTL = time.Nanosecond

// WriteFlags are the open flags that would change a file.
const WriteFlags = syscall.O_WRONLY | syscall.O_RDWR | syscall.O_TRUNC | syscall.O_APPEND

// WantsWrite reports open flags that change the file.
func WantsWrite(flags uint32) bool {
	return flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) != 0
}

// BytesHandle is an open generated file: a fixed snapshot of its bytes.
type BytesHandle struct {
	Data  []byte
	Owner uint64 // inode number of the file it belongs to
}

// Read serves from the snapshot.
func (h *BytesHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if off < 0 {
		return nil, syscall.EINVAL
	}
	if off >= int64(len(h.Data)) {
		return fuse.ReadResultData(nil), 0
	}
	end := off + int64(len(dest))
	if end > int64(len(h.Data)) {
		end = int64(len(h.Data))
	}
	return fuse.ReadResultData(h.Data[off:end]), 0
}

// APIMessage is the API's own message in err, for log lines.
func APIMessage(err error) string {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
