package queue

// Speculative streaming uploads: the POST of a file starts while the file
// is still being written, and its body follows the writes.
//
// A file written sequentially from offset 0 would otherwise be uploaded
// only after its last close (plus Delay), so the time to write it and the
// time to upload it add up. With a stream, fs/ reports each append
// (Grow) and the request's body reads the spool up to what was reported,
// blocking at its end. The multipart closing boundary - without which a
// request creates nothing - is sent only when the queue would start the
// upload anyway: in runUpload, after the intent is journaled (commit). So
// from the journal's point of view a committed stream starts exactly where
// an ordinary upload starts, and everything about crashes and exactly once
// holds as before; a stream given up before its commit (abort) created
// nothing, and the item is uploaded the ordinary way.
//
// A stream is given up (its request cancelled; its body's Read returns an
// error, never io.EOF) on anything unexpected: fs/ calls Abort (a write
// that is not at the end, truncate, a refusal); the queue does on
// OpenWrite, a Rename to another name, Cancel, Close, and when the file
// got no new bytes for streamIdle. A stream whose request ended before its
// commit (the server answered early, or the connection broke) is dead too.
// At commit the stream must cover exactly the closed spool (its generation,
// name and size), else the ordinary upload is sent. A committed stream that
// the API refuses (4xx) is followed at once by an ordinary upload whose
// answer counts (an early refusal may concern only the streaming, e.g. a
// server that wants a Content-Length).
//
// Locking: Stream.mu guards the fields below it. Order: Queue.mu before
// Stream.mu (the queue aborts streams with its lock held); nothing else is
// taken with Stream.mu held, and it is never held across I/O.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/internal/durable"
)

// Reasons a stream was given up (logged at debug; never user-visible).
var (
	errStreamAborted   = errors.New("speculative upload given up")
	errStreamIdle      = errors.New("speculative upload idle too long")
	errStreamAnswered  = errors.New("server answered the speculative upload before its end")
	errStreamMismatch  = errors.New("speculative upload does not match the file to upload")
	errStreamShrunk    = errors.New("spool file shorter than written")
	errStreamNotStream = errors.New("cannot stream this item now")
)

// Stream is a speculative upload of an item being written; see above. Its
// methods are safe for concurrent use; fs/ calls Grow and Abort.
type Stream struct {
	q      *Queue
	it     *item
	id     string
	name   string
	gen    int
	f      *os.File // the spool generation, read-only; closed when the request ended
	cancel context.CancelFunc
	done   chan struct{} // closed once the request returned and asset/err are set

	mu        sync.Mutex
	cond      *sync.Cond
	avail     int64 // [0, avail) of the spool is written and will not change
	sent      int64 // bytes handed to the request
	total     int64 // the body's end, once committed
	committed bool
	responded bool  // the request's outcome is known
	dead      error // given up (before commit), or the request failed
	idle      Timer
	asset     *api.Asset
	err       error
}

// StartStream starts a speculative upload of item id, whose spool holds
// avail bytes written sequentially from offset 0 by the only writer. It
// returns an error (and starts nothing) if the item cannot be streamed now:
// not open for writing by exactly one writer, held, already streaming, too
// many streams running, or streams disabled (Options.Streams < 0, or the
// API did not take one: stopStreaming). The caller starts at most one per
// writing session: fs/ does not try again after a stream was given up.
func (q *Queue) StartStream(id string, avail int64) (*Stream, error) {
	it, err := q.get(id)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	ok := q.o.Streams > 0 && !q.streamsOff && q.streams < q.o.Streams && !q.closed && !it.removed &&
		it.rec.State == stWriting && it.writers == 1 && it.stream == nil &&
		it.rec.Intent == nil && it.inflight == nil && !q.heldLocked(it)
	if !ok {
		q.mu.Unlock()
		return nil, errStreamNotStream
	}
	name, gen := it.rec.Name, it.rec.Gen
	q.mu.Unlock()

	f, err := durable.Open(q.l.SpoolPath(id, gen))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(q.ctx)
	s := &Stream{q: q, it: it, id: id, name: name, gen: gen, f: f, cancel: cancel,
		done: make(chan struct{}), avail: avail}
	s.cond = sync.NewCond(&s.mu)

	q.mu.Lock()
	if q.closed || it.removed || it.stream != nil || it.rec.State != stWriting || it.rec.Name != name ||
		it.rec.Gen != gen || it.writers != 1 || q.streams >= q.o.Streams {
		q.mu.Unlock()
		cancel()
		f.Close()
		return nil, errStreamNotStream
	}
	it.stream = s
	q.streams++
	q.swg.Add(1)
	q.mu.Unlock()

	s.mu.Lock()
	s.armIdleLocked()
	s.mu.Unlock()
	// A cancelled request (Close giving up, Abort) must wake a Read that
	// waits for bytes.
	stopWake := context.AfterFunc(ctx, func() { s.giveUp(ctx.Err()) })
	go func() {
		defer q.swg.Done()
		a, err := q.o.Uploader.UploadAsset(ctx, (*streamBody)(s), name, name)
		stopWake()
		s.finish(a, err)
	}()
	q.log.WithFields(logrus.Fields{"op": "stream", "id": id, "name": name, "size": avail}).Debug("speculative upload started")
	return s, nil
}

// Grow reports that [0, end) of the spool is written and final. An end
// below an earlier one gives the stream up.
func (s *Stream) Grow(end int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead != nil || s.committed {
		return
	}
	if end < s.avail {
		s.giveUpLocked(errStreamShrunk)
		return
	}
	if end > s.avail {
		s.avail = end
		s.armIdleLocked()
		s.cond.Broadcast()
	}
}

// Abort gives the stream up unless it was committed (then it is the
// upload, which is never cancelled). Safe to call more than once.
func (s *Stream) Abort(reason string) {
	if s.giveUp(fmt.Errorf("%w: %s", errStreamAborted, reason)) {
		s.q.log.WithFields(logrus.Fields{"op": "stream", "id": s.id, "name": s.name, "reason": reason}).
			Debug("speculative upload given up")
	}
}

// Alive reports whether the stream can still become the upload.
func (s *Stream) Alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.committed || (s.dead == nil && !s.responded)
}

// giveUp marks the stream dead (unless committed) and cancels its request;
// it reports whether this call did it.
func (s *Stream) giveUp(err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.giveUpLocked(err)
}

func (s *Stream) giveUpLocked(err error) bool {
	if s.committed || s.dead != nil {
		return false
	}
	s.dead = err
	if s.idle != nil {
		s.idle.Stop()
		s.idle = nil
	}
	s.cond.Broadcast()
	s.cancel() // never calls back into s with the lock (AfterFunc runs in its own goroutine)
	return true
}

func (s *Stream) armIdleLocked() {
	if s.idle != nil {
		s.idle.Stop()
	}
	s.idle = s.q.o.Clock.AfterFunc(s.q.o.StreamIdle, func() { s.giveUp(errStreamIdle) })
}

// abortStreamLocked gives up item it's uncommitted stream (Queue.mu held).
func (q *Queue) abortStreamLocked(it *item, reason string) {
	s := it.stream
	if s == nil {
		return
	}
	it.stream = nil
	if s.giveUp(fmt.Errorf("%w: %s", errStreamAborted, reason)) {
		q.log.WithFields(logrus.Fields{"op": "stream", "id": s.id, "name": s.name, "reason": reason}).
			Debug("speculative upload given up")
	}
}

// commit lets the stream's body end at size (then the closing boundary
// follows) if it covers exactly that file; it reports whether it did. Call
// only once the intent is journaled.
// ahead is how many bytes of the file the request had sent at the commit.
func (s *Stream) commit(gen int, name string, size int64) (ok bool, ahead int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead != nil || s.responded {
		return false, 0
	}
	if s.gen != gen || s.name != name || s.avail != size {
		s.giveUpLocked(errStreamMismatch)
		return false, 0
	}
	s.committed, s.total = true, size
	if s.idle != nil {
		s.idle.Stop()
		s.idle = nil
	}
	s.cond.Broadcast()
	return true, s.sent
}

// result waits for the request of a committed stream.
func (s *Stream) result() (*api.Asset, error) {
	<-s.done
	return s.asset, s.err
}

// RequestDone is called by the API client as soon as the request's
// outcome is known: a body still waiting for bytes gives up.
func (s *Stream) RequestDone() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responded = true
	if !s.committed && s.dead == nil {
		s.dead = errStreamAnswered
		if s.idle != nil {
			s.idle.Stop()
			s.idle = nil
		}
		s.cond.Broadcast()
	}
}

// finish records the request's outcome and lets the item go.
func (s *Stream) finish(a *api.Asset, err error) {
	s.mu.Lock()
	committed := s.committed
	s.asset, s.err = a, err
	s.responded = true
	if !committed && s.dead == nil {
		s.dead = errStreamAnswered
	}
	if s.idle != nil {
		s.idle.Stop()
		s.idle = nil
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	s.f.Close()
	s.cancel()

	q := s.q
	var ae *api.Error
	answered := !committed && errors.As(err, &ae)
	q.mu.Lock()
	if s.it.stream == s {
		s.it.stream = nil
	}
	q.streams--
	q.mu.Unlock()
	if answered {
		q.stopStreaming(err) // before done: whoever waited for the end sees streaming off
	}
	close(s.done)

	if !committed && err == nil && a != nil && a.ID != "" {
		// Impossible with a correct server (the body never ended); if it
		// happens, the asset holds a prefix of the file: delete it.
		q.log.WithFields(logrus.Fields{"op": "stream", "id": s.id, "name": s.name, "asset": a.ID}).
			Error("the server created an asset from an unfinished speculative upload; deleting it")
		if _, derr := q.DeleteAssets(s.name, a.ID); derr != nil {
			q.log.WithFields(logrus.Fields{"op": "stream", "id": s.id, "asset": a.ID}).WithError(derr).Error("cannot queue its deletion")
		}
	}
}

// stopStreaming turns speculative uploads off for the rest of the queue's
// life: the API answered one before its end, or refused a committed one
// (a server that will not take a body of unknown length, say). Files are
// then uploaded the ordinary way only.
func (q *Queue) stopStreaming(why error) {
	q.mu.Lock()
	was := q.streamsOff
	q.streamsOff = true
	q.mu.Unlock()
	if !was {
		q.log.WithField("op", "stream").WithError(why).
			Info("the API did not take an upload sent while its file was written; not sending files early any more")
	}
}

// streamBody is the request body of a stream: the spool up to what is
// written, then (committed) up to the end and io.EOF.
type streamBody Stream

func (b *streamBody) RequestDone() { (*Stream)(b).RequestDone() }

func (b *streamBody) Read(p []byte) (int, error) {
	s := (*Stream)(b)
	if len(p) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	var limit int64
	for {
		if s.dead != nil {
			err := s.dead
			s.mu.Unlock()
			return 0, err // never io.EOF: the body must not end cleanly
		}
		if s.committed {
			if s.sent >= s.total {
				s.mu.Unlock()
				return 0, io.EOF
			}
			limit = s.total
			break
		}
		if s.sent < s.avail {
			limit = s.avail
			break
		}
		s.cond.Wait()
	}
	off := s.sent
	n := int64(len(p))
	if limit-off < n {
		n = limit - off
	}
	s.mu.Unlock()

	got, err := s.f.ReadAt(p[:n], off)
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = errStreamShrunk
		}
		s.giveUp(err)
		return 0, err
	}
	s.mu.Lock()
	s.sent += int64(got)
	s.mu.Unlock()
	return got, nil
}
