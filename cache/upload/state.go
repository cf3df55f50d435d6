package upload

// The write state of the queued files that the queue does not journal.
// Locking: Session.mu guards every map (see the package doc).

import (
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

// Opened counts a write handle on item id (Create and OpenWrite count
// theirs).
func (s *Session) Opened(id string) {
	s.mu.Lock()
	s.writers[id]++
	s.mu.Unlock()
}

// Writers is how many write handles item id has.
func (s *Session) Writers(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writers[id]
}

// KeptOpen says whether item id is held as Writing in the queue: by a
// write handle, or as an empty file kept local.
func (s *Session) KeptOpen(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writers[id] > 0 || s.phantom[id]
}

// Reject marks item id's content as not to be uploaded (a write past the
// size limit, a type Krea does not take, a failed write): its last close
// drops it. The first reason is kept; first says whether this was it.
func (s *Session) Reject(id string, err error) (first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejected[id] != nil {
		return false
	}
	s.rejected[id] = err
	return true
}

// Rejection is why item id's content will not be uploaded (nil: it will).
func (s *Session) Rejection(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected[id]
}

// AddReplaces records asset ids item id replaces, handed to the queue at
// its last close (so that content rejected at close never deletes them).
func (s *Session) AddReplaces(id string, ids ...string) {
	if len(ids) == 0 {
		return
	}
	s.mu.Lock()
	s.replaces[id] = appendNew(s.replaces[id], ids...)
	s.mu.Unlock()
}

// Replacing reports whether item id replaces assets not yet handed to the
// queue (an asset opened for writing, or renamed: rejecting the item
// leaves them as they are).
func (s *Session) Replacing(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.replaces[id]) > 0
}

// TakeReplaces returns and drops the asset ids item id replaces that are
// not handed to the queue yet.
func (s *Session) TakeReplaces(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	reps := s.replaces[id]
	delete(s.replaces, id)
	return reps
}

// Forget drops the write state of item id, returning the replaced asset
// ids not yet handed to the queue.
func (s *Session) Forget(id string) (replaces []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	replaces = s.replaces[id]
	delete(s.writers, id)
	delete(s.rejected, id)
	delete(s.phantom, id)
	delete(s.replaces, id)
	delete(s.clean, id)
	delete(s.moved, id)
	return replaces
}

// MarkClean records that item id holds an asset's bytes, unchanged.
func (s *Session) MarkClean(id string) {
	s.mu.Lock()
	s.clean[id] = true
	s.mu.Unlock()
}

// IsClean reports an asset opened for writing whose bytes are unchanged.
func (s *Session) IsClean(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clean[id]
}

// Changed records that item id's content was written or truncated.
func (s *Session) Changed(id string) {
	s.mu.Lock()
	delete(s.clean, id)
	delete(s.moved, id)
	s.mu.Unlock()
}

// Finished remembers the asset item id's upload made, for the nodes that
// still name the item.
func (s *Session) Finished(id string, a api.Asset) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.pruned) > DoneKeep/10 { // not at every upload of a bulk copy: O(done) each
		s.pruned = now
		for k, d := range s.done {
			if now.Sub(d.at) > DoneKeep {
				delete(s.done, k)
			}
		}
	}
	s.done[id] = doneUpload{asset: a, at: now}
}

// DoneAsset is the asset item id's upload made, if known.
func (s *Session) DoneAsset(id string) (api.Asset, bool) {
	if it, ok := s.Get(id); ok && it.Asset != nil {
		return *it.Asset, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.done[id]
	return d.asset, ok
}

// SetMoved records that item id is an unchanged copy of a, which was
// shown as name. A write or truncate of the item drops it (Changed).
func (s *Session) SetMoved(id string, a api.Asset, name string) {
	s.mu.Lock()
	s.moved[id] = movedAsset{asset: a, name: name}
	s.mu.Unlock()
}

// Moved is the asset queued copy it is, unchanged and not open for
// writing, if newName is the name that asset had: renamed back, the copy
// is to be dropped and the asset shown again.
func (s *Session) Moved(it queue.Item, newName string) (api.Asset, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.moved[it.ID]
	reps := s.replaces[it.ID]
	ok = ok && m.name == newName && s.writers[it.ID] == 0 && !s.phantom[it.ID] &&
		len(reps) == 1 && reps[0] == m.asset.ID
	return m.asset, ok
}

// Replacers are the items that replace asset assetID: those not handed to
// the queue yet, then the visible queued ones. One of them answers for the
// asset's nodes (ReplacerOf); fsync of the asset waits for all.
func (s *Session) Replacers(assetID string) []string {
	var ids []string
	s.mu.Lock()
	for id, reps := range s.replaces {
		for _, rep := range reps {
			if rep == assetID {
				ids = append(ids, id)
			}
		}
	}
	s.mu.Unlock()
	for _, it := range s.Items() {
		for _, rep := range it.Replaces {
			if rep == assetID && it.Shown() {
				ids = append(ids, it.ID)
			}
		}
	}
	return ids
}

func appendNew(list []string, ids ...string) []string {
	for _, id := range ids {
		found := false
		for _, x := range list {
			if x == id {
				found = true
				break
			}
		}
		if !found && id != "" {
			list = append(list, id)
		}
	}
	return list
}
