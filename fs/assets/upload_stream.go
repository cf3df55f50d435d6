package assets

// Streaming a file's upload while it is written (cache/upload/queue's
// speculative uploads, stream.go there).
//
// A file created in assets/ under a final name (not a temp or junk name)
// whose writes come in order from offset 0 starts its POST once
// streamMinSize bytes are written and its first bytes are a type Krea
// accepts; each further write at the end is handed to that request. The
// queue sends the request's end only when the upload would start anyway
// (after the last close and the upload delay, or at fsync), so an upload
// still happens only after the last close; anything unexpected (a write
// elsewhere than at the end, truncate, a refusal, a write after the close,
// a second writer, rename, rm) gives the stream up and the file is
// uploaded the ordinary way.
//
// Locking: the handle's stream state is guarded by uploadHandle.mu (the
// writes that feed it are serialised by it too). Stream methods take only
// the stream's own lock.

import (
	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

// streamMinSize is how much of a file must be written before its upload
// starts: smaller files gain little, and a stream per small file would
// only take connections.
const streamMinSize = 1 << 20

// streamState follows one write handle's sequential writes from offset 0.
type streamState struct {
	end int64         // bytes written in order from offset 0
	s   *queue.Stream // the running speculative upload, once started
	off bool          // given up (or never possible): no stream for this handle
}

// newStreamState is the stream state of a handle that created (or
// truncated) a file named name: nil unless the name is a final one.
func newStreamState(name string) *streamState {
	if classifyName(name) != finalName {
		return nil
	}
	return &streamState{}
}

// streamWroteLocked follows a write of n bytes at off to the spool
// (h.mu held): it starts the stream, feeds it, or gives it up.
func (h *uploadHandle) streamWroteLocked(off, n int64) {
	st := h.stream
	if st == nil || st.off || n <= 0 {
		return
	}
	if off != st.end {
		h.streamStopLocked("a write not at the end of the file")
		return
	}
	st.end += n
	if st.s != nil {
		st.s.Grow(st.end)
		return
	}
	if st.end < streamMinSize {
		return
	}
	if _, err := upload.CheckType(h.f); err != nil {
		st.off = true // refused at close; nothing to stream
		return
	}
	s, err := h.up.s.StartStream(h.id, st.end)
	if err != nil {
		st.off = true
		h.up.r.Log.WithFields(h.up.itemFields("stream", h.id)).WithError(err).Debug("not streaming this upload")
		return
	}
	st.s = s
}

// streamStopLocked gives the handle's stream up (h.mu held).
func (h *uploadHandle) streamStopLocked(reason string) {
	st := h.stream
	if st == nil || st.off {
		return
	}
	st.off = true
	if st.s != nil {
		st.s.Abort(reason) // logged by the queue
	}
}
