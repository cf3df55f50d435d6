package assets

// An uploaded asset renamed to a temp or junk name and back, unchanged
// (vim's backup: it renames the original to NAME~ before writing NAME, and
// renames it back when the write fails). The API has no rename, so the
// first rename makes a queued copy that replaces the asset once uploaded;
// a temp name is never uploaded, so the asset is only hidden meanwhile.
// Renamed back to its name with nothing written to it, the copy is
// dropped and the asset shows again as it was: same id, nothing uploaded.
//
// The copy's state is the upload session's (upload.Session.SetMoved).

import (
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/upload/queue"
)

// restoreMoved handles the rename of queued copy it back to the name of
// the asset it was made from, unchanged and not open for writing: the
// copy is dropped and the asset shown again. False if that is not the
// case (the rename then goes on as usual).
func (u *uploads) restoreMoved(it queue.Item, newName string) bool {
	a, ok := u.s.Moved(it, newName)
	if !ok {
		return false
	}
	log := u.r.Log.WithFields(logrus.Fields{"op": "rename", "path": "assets/" + it.Name, "to": newName, "item": it.ID, "id": a.ID})
	// Nodes the kernel holds for the copy answer from the asset from now
	// on, as for a finished upload.
	u.s.Finished(it.ID, a)
	u.forget(it.ID)
	if err := u.s.Drop(it.ID); err != nil {
		log.WithError(err).Warn("dropping the copy of a file renamed back")
	}
	u.notifyNames(false, newName, it.Name)
	log.Info("renamed back unchanged: the asset keeps its name and id, nothing is uploaded")
	return true
}

// replacerOf is the queued file that replaces asset id, if any.
func (u *uploads) replacerOf(assetID string) (string, bool) {
	if ids := u.s.Replacers(assetID); len(ids) > 0 {
		return ids[0], true
	}
	return "", false
}
