package assets

// Names kept on this machine (state.Names): the name each file was
// uploaded under from this cache directory, by the asset id the upload
// made; view.WantedName puts it first. The name is kept (fsynced) before
// Tree.uploaded returns: the upload queue forgets the item right after.

import (
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"

	"github.com/kreafs/kreafs/fs/view"
)

// keepUploadedName keeps the name queued file it was uploaded under as
// the name of asset a. A failure is logged: the name then follows the
// description rules at the next listing.
func (r *Tree) keepUploadedName(it queue.Item, a *api.Asset) {
	if a == nil || a.ID == "" || !view.UsableName(it.Name) {
		return
	}
	if err := r.kept.Set(a.ID, it.Name, r.Cfg.Clock()); err != nil {
		r.Log.WithFields(logrus.Fields{"op": "upload", "path": "assets/" + it.Name, "id": a.ID}).
			WithError(err).Warn("could not keep the uploaded file's name on this machine")
	}
}
