package assets

// Modification times of queued files (node/mtimes.go has the rules): kept
// under the item's id until its upload completes, then moved to the asset.

import (
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
)

func itemTimeKey(id string) string { return "u:" + id }

// itemMtime is the time shown for a queued file last written at modified.
func (r *Tree) itemMtime(id string, modified time.Time) time.Time {
	if t, ok := r.Mtimes.Get(itemTimeKey(id)); ok {
		return t
	}
	return modified
}

// moveMtime hands a queued item's time to the asset it became.
func (r *Tree) moveMtime(itemID, assetID string) {
	if err := r.Mtimes.Move(itemTimeKey(itemID), node.AssetTimeKey(assetID)); err != nil {
		r.Log.WithFields(logrus.Fields{"op": "upload", "id": assetID}).WithError(err).Warn("could not keep the modification time")
	}
}

// keepWrittenTime gives the asset an uploaded item became the item's
// time: the one set on it, else its last write; a time set on the asset
// itself since the upload made it (the item's node shows the asset then)
// stands.
func (r *Tree) keepWrittenTime(it queue.Item, assetID string) {
	if err := r.Mtimes.Settle(itemTimeKey(it.ID), node.AssetTimeKey(assetID), it.Modified); err != nil {
		r.Log.WithFields(logrus.Fields{"op": "upload", "id": assetID}).WithError(err).Warn("could not keep the modification time")
	}
}

// uploadedMtime is the time shown for the asset a that item id's upload
// made: until the upload is settled (keepWrittenTime), the item's.
func (r *Tree) uploadedMtime(id string, a *api.Asset) time.Time {
	if t, ok := r.Mtimes.Get(node.AssetTimeKey(a.ID)); ok {
		return t
	}
	if it, ok := r.up.s.Get(id); ok {
		return r.itemMtime(id, it.Modified)
	}
	return a.UploadedAt
}
