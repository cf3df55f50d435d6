package upload

// The last close of a queued file: what its content means.

import (
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/upload/queue"
)

// Closed says what a Release did, for the caller to show.
type Closed struct {
	// Name: the name whose entry changed (the kernel must look it up
	// again: it leads to another file now, or to none); "" if none did.
	Name string
	// Gone: the item is finished with (dropped, or no longer known): the
	// time set on it goes, or to MoveTime's asset.
	Gone bool
	// MoveTime: an asset opened for writing and closed unchanged; the
	// time set on the item meanwhile (touch opens the file) is this
	// asset's.
	MoveTime string
}

// Release ends one write handle on item id (its *os.File already closed).
// At the last one the content is judged: rejected content is dropped (the
// close already failed, and the caller logged why); an empty file with a
// final name is kept local (programs create files empty and write them
// later); anything else is handed to the queue, which uploads it after
// the delay.
func (s *Session) Release(id string) Closed {
	log := s.log.WithFields(logrus.Fields{"op": "release", "item": id})
	s.mu.Lock()
	s.writers[id]--
	last := s.writers[id] <= 0
	if last {
		delete(s.writers, id)
	}
	rejected := s.rejected[id]
	phantom := s.phantom[id]
	reps := s.replaces[id]
	unchanged := s.clean[id]
	s.mu.Unlock()

	if !last {
		if err := s.q.Release(id); err != nil {
			log.WithError(err).Warn("releasing a writer")
		}
		return Closed{}
	}
	it, ok := s.q.Get(id)
	if !ok || it.State == queue.Canceled {
		s.Forget(id)
		return Closed{Gone: true}
	}
	log = log.WithField("path", "assets/"+it.Name)
	if unchanged && rejected == nil {
		// An asset opened for writing and closed without a change: no
		// replacement (it would only give the asset a new id).
		out := Closed{Name: it.Name, Gone: true}
		if len(reps) == 1 {
			out.MoveTime = reps[0]
		}
		s.Forget(id)
		if err := s.q.Cancel(id); err != nil {
			log.WithError(err).Warn("dropping an unchanged copy")
		}
		log.Debug("asset opened for writing but not changed: nothing to upload")
		return out
	}
	if rejected != nil {
		s.Forget(id)
		if err := s.q.Cancel(id); err != nil {
			log.WithError(err).Warn("dropping refused file")
		}
		log.WithError(rejected).Debug("refused file removed (its close failed and was logged)")
		return Closed{Name: it.Name, Gone: true}
	}
	if s.final(it.Name) && spoolSize(it.Spool) == 0 {
		if !phantom {
			// Keep our writer: the queue keeps the file as Writing (never
			// uploaded; dropped by the next mount if still empty).
			s.mu.Lock()
			s.phantom[id] = true
			s.mu.Unlock()
			log.Debug("empty file kept locally until it has content")
			return Closed{}
		}
		if err := s.q.Release(id); err != nil {
			log.WithError(err).Warn("releasing a writer")
		}
		return Closed{}
	}
	if len(reps) > 0 && s.final(it.Name) {
		// A temp or junk name is never uploaded: what it replaces stays
		// with us (hidden) until it gets a final name (Rename) or is
		// removed, so that a move back can restore it.
		if err := s.q.Rename(id, it.Name, reps...); err != nil {
			log.WithError(err).Warn("recording the replaced assets")
		}
		s.mu.Lock()
		delete(s.replaces, id)
		s.mu.Unlock()
	}
	if err := s.q.Release(id); err != nil {
		log.WithError(err).Warn("queueing the upload")
	}
	if phantom {
		s.mu.Lock()
		delete(s.phantom, id)
		s.mu.Unlock()
		if err := s.q.Release(id); err != nil {
			log.WithError(err).Warn("releasing the placeholder writer")
		}
	}
	s.mu.Lock()
	delete(s.rejected, id)
	s.mu.Unlock()
	return Closed{} // the name leads to the same item as before
}

// ReadyForFinalName prepares queued file it, not open for writing, for a
// rename to a final name: an empty one is kept local until it has
// content; any other must be a type Krea takes (ErrNotAccepted).
func (s *Session) ReadyForFinalName(it queue.Item) error {
	if spoolSize(it.Spool) == 0 {
		return s.holdEmpty(it.ID)
	}
	return checkSpool(it.Spool)
}

// holdEmpty keeps an empty item that is not open for writing out of the
// queue's hands (before it is renamed to a final name).
func (s *Session) holdEmpty(id string) error {
	s.mu.Lock()
	if s.phantom[id] {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	f, err := s.q.OpenWrite(id, false)
	if err != nil {
		return err
	}
	f.Close()
	s.mu.Lock()
	s.phantom[id] = true
	s.mu.Unlock()
	return nil
}
