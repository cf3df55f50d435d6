package upload

// Streaming a file's upload while it is written (package queue's
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
// Locking: a Streamer belongs to one write handle, whose lock guards it
// (the writes that feed it are serialised by it too). queue.Stream
// methods take only the stream's own lock.

import (
	"github.com/kreafs/kreafs/cache/upload/queue"
)

// streamMinSize is how much of a file must be written before its upload
// starts: smaller files gain little, and a stream per small file would
// only take connections.
const streamMinSize = 1 << 20

// Streamer follows one write handle's sequential writes from offset 0.
// A nil Streamer streams nothing.
type Streamer struct {
	end int64         // bytes written in order from offset 0
	s   *queue.Stream // the running speculative upload, once started
	off bool          // given up (or never possible): no stream for this handle
}

// NewStreamer is the stream state of a handle that created (or
// truncated) a file named name: nil unless the name is a final one.
func (s *Session) NewStreamer(name string) *Streamer {
	if !s.final(name) {
		return nil
	}
	return &Streamer{}
}

// StreamWrote follows a write of n bytes at off to item id's file f
// (through st's handle): it starts the stream, feeds it, or gives it up.
func (s *Session) StreamWrote(st *Streamer, id string, f *File, off, n int64) {
	if st == nil || st.off || n <= 0 {
		return
	}
	if off != st.end {
		st.Stop("a write not at the end of the file")
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
	if _, err := CheckType(f); err != nil {
		st.off = true // refused at close; nothing to stream
		return
	}
	qs, err := s.StartStream(id, st.end)
	if err != nil {
		st.off = true
		s.log.WithFields(s.itemFields("stream", id)).WithError(err).Debug("not streaming this upload")
		return
	}
	st.s = qs
}

// Stop gives the stream up.
func (st *Streamer) Stop(reason string) {
	if st == nil || st.off {
		return
	}
	st.off = true
	if st.s != nil {
		st.s.Abort(reason) // logged by the queue
	}
}
