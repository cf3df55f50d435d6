package queue

// Draining at unmount: send what is queued now, and say what is left.

import (
	"context"
	"time"
)

// Backlog is what the queue still has to send: the files waiting for
// their upload or being uploaded, and the deletes of replaced or removed
// assets not yet done. Files still open for writing are listed apart
// (they are not uploaded until closed; after a restart they are kept as
// interrupted). Held and Failed items are not part of it: they wait for
// the user, not for the network.
type Backlog struct {
	Files   []Item // Pending or Uploading, oldest first
	Bytes   int64  // sum of the Files' sizes
	Deletes int    // Uploaded or Canceled items whose deletes are not done
	Open    []Item // Writing
}

// Empty reports whether nothing is left to send.
func (b Backlog) Empty() bool { return len(b.Files) == 0 && b.Deletes == 0 }

// Names returns the names of the Files.
func (b Backlog) Names() []string {
	out := make([]string, len(b.Files))
	for i, it := range b.Files {
		out[i] = it.Name
	}
	return out
}

// Backlog returns a snapshot of what is left to send. It works also
// after Close (what stays in the journal for the next Open).
func (q *Queue) Backlog() Backlog {
	var b Backlog
	for _, it := range q.Items() {
		switch it.State {
		case Pending, Uploading:
			b.Files = append(b.Files, it)
			b.Bytes += it.Size
		case Uploaded, Canceled:
			b.Deletes++
		case Writing:
			b.Open = append(b.Open, it)
		}
	}
	return b
}

// drainPoll is how often Drain looks whether the backlog is empty.
const drainPoll = 50 * time.Millisecond

// Drain is for unmount: from now on nothing waits for Options.Delay (an
// item closed later is due at once), every Pending item and pending delete
// is started now (also one waiting for a retry), and Drain returns when
// the backlog is empty (nil) or ctx is done (ctx.Err()). Transient
// failures are still retried with backoff while ctx lasts. Call Close
// afterwards, with a context that is already done if Drain gave up.
func (q *Queue) Drain(ctx context.Context) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	q.draining = true
	for _, it := range q.items {
		if it.removed || it.running {
			continue
		}
		switch q.stateLocked(it) {
		case Pending, Uploaded, Canceled:
			q.enqueueLocked(it)
		}
	}
	q.mu.Unlock()
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for {
		if q.Backlog().Empty() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
