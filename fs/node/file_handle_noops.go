package node

// What asset files accept as no-ops (docs/semantics.md, "POSIX calls").
// The refusals of assets/ itself (mkdir, links) and its fsync are in
// fs/assets/assets_write.go, with the write path.

import (
	"context"
	"syscall"

	"github.com/sirupsen/logrus"
)

// Fsync on an open asset: its bytes are already stored at Krea. If a
// queued file replaces it (written over, or renamed: this handle may be
// of the old asset under the new name), fsync waits for that upload
// (fs/assets/assets_write.go).
func (h *fileHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if h.f.WaitReplacement == nil {
		return 0
	}
	return Fail(h.f.m.Log, logrus.Fields{"op": "fsync", "id": h.id}, h.f.WaitReplacement(ctx, h.id))
}

// Flush (every close): nothing to write back. Opens for reading ask the
// kernel not to send it (FOPEN_NOFLUSH, file.go).
func (h *fileHandle) Flush(ctx context.Context) syscall.Errno {
	return 0
}
