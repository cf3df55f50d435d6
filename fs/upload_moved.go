package fs

// An uploaded asset renamed to a temp or junk name and back, unchanged
// (vim's backup: it renames the original to NAME~ before writing NAME, and
// renames it back when the write fails). The API has no rename, so the
// first rename makes a queued copy that replaces the asset once uploaded;
// a temp name is never uploaded, so the asset is only hidden meanwhile.
// Renamed back to its name with nothing written to it, the copy is
// dropped and the asset shows again as it was: same id, nothing uploaded.
//
// Locking: uploads.mu guards uploads.moved (see uploads.go).

import (
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

// movedAsset is the asset a queued copy was made from, and its name then.
type movedAsset struct {
	asset api.Asset
	name  string
}

// setMoved records that item id is an unchanged copy of a, which was
// shown as name. A write or truncate of the item drops it (changed).
func (u *uploads) setMoved(id string, a api.Asset, name string) {
	u.mu.Lock()
	u.moved[id] = movedAsset{asset: a, name: name}
	u.mu.Unlock()
}

// restoreMoved handles the rename of queued copy it back to the name of
// the asset it was made from, unchanged and not open for writing: the
// copy is dropped and the asset shown again. False if that is not the
// case (the rename then goes on as usual).
func (u *uploads) restoreMoved(it queue.Item, newName string) bool {
	u.mu.Lock()
	m, ok := u.moved[it.ID]
	reps := u.replaces[it.ID]
	ok = ok && m.name == newName && u.writers[it.ID] == 0 && !u.phantom[it.ID] &&
		len(reps) == 1 && reps[0] == m.asset.ID
	u.mu.Unlock()
	if !ok {
		return false
	}
	log := u.r.log.WithFields(logrus.Fields{"op": "rename", "path": "assets/" + it.Name, "to": newName, "item": it.ID, "id": m.asset.ID})
	// Nodes the kernel holds for the copy answer from the asset from now
	// on, as for a finished upload.
	u.finished(it.ID, m.asset)
	u.forget(it.ID)
	if err := u.q.Cancel(it.ID); err != nil {
		log.WithError(err).Warn("dropping the copy of a file renamed back")
	}
	u.notifyNames(false, newName, it.Name)
	log.Info("renamed back unchanged: the asset keeps its name and id, nothing is uploaded")
	return true
}

// replacerOf is the visible queued file that replaces asset id, if any.
func (u *uploads) replacerOf(assetID string) (string, bool) {
	u.mu.Lock()
	for id, reps := range u.replaces {
		for _, rep := range reps {
			if rep == assetID {
				u.mu.Unlock()
				return id, true
			}
		}
	}
	u.mu.Unlock()
	for _, it := range u.q.Items() {
		for _, rep := range it.Replaces {
			if rep == assetID && it.State.Visible() {
				return it.ID, true
			}
		}
	}
	return "", false
}
