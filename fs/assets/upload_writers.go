package assets

import (
	"context"
	"slices"

	"github.com/kreafs/kreafs/fs/node"
)

// Which close of a write handle is the writer's own.
//
// FUSE sends a flush for every close(2) of a descriptor that refers to the
// open file, also of copies the writer never used: a program that forks (or
// starts another program) while it writes gives the child copies of its
// descriptors, and the child's exec closes them. Such a flush must not end
// the file: a content check at that moment sees a half-written file, and a
// refusal would remove it while its writer still writes. So a handle keeps
// the processes that changed the file through it (thread group ids: FUSE
// names the calling thread), and a flush from any other process is not
// taken as the writer's close; the writer's own close, or the release of
// the handle, decides as before. A handle nothing changed through yet keeps
// no writers and every flush counts.

// maxWriters bounds the processes a handle remembers; past it, every flush
// counts (as without this rule).
const maxWriters = 16

// noteWriterLocked records the calling process as one that changed the
// file through h. h.mu is held.
func (h *uploadHandle) noteWriterLocked(ctx context.Context) {
	tgid := node.CallerProcess(ctx)
	if tgid == 0 || slices.Contains(h.writers, tgid) {
		return
	}
	if len(h.writers) >= maxWriters {
		h.writersFull = true
		return
	}
	h.writers = append(h.writers, tgid)
}

// flushIsWritersLocked reports whether a flush from the calling process is
// the close of a process that wrote through h. h.mu is held.
func (h *uploadHandle) flushIsWritersLocked(ctx context.Context) bool {
	if len(h.writers) == 0 || h.writersFull {
		return true
	}
	tgid := node.CallerProcess(ctx)
	return tgid == 0 || slices.Contains(h.writers, tgid)
}
