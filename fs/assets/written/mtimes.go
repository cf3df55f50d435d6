package written

// Modification times of queued files (node/mtimes.go has the rules): kept
// under the item's id until its upload completes, then moved to the asset.

import (
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
)

// ItemTimeKey is the key of queued item id's time in node.Mount.Mtimes.
func ItemTimeKey(id string) string { return "u:" + id }

// itemMtime is the time shown for a queued file last written at modified.
func (u *Files) itemMtime(id string, modified time.Time) time.Time {
	if t, ok := u.m.Mtimes.Get(ItemTimeKey(id)); ok {
		return t
	}
	return modified
}

// moveMtime hands a queued item's time to the asset it became.
func (u *Files) moveMtime(itemID, assetID string) {
	if err := u.m.Mtimes.Move(ItemTimeKey(itemID), node.AssetTimeKey(assetID)); err != nil {
		u.m.Log.WithFields(logrus.Fields{"op": "upload", "id": assetID}).WithError(err).Warn("could not keep the modification time")
	}
}

// keepWrittenTime gives the asset an uploaded item became the item's
// time: the one set on it, else its last write; a time set on the asset
// itself since the upload made it (the item's node shows the asset then)
// stands.
func (u *Files) keepWrittenTime(it queue.Item, assetID string) {
	if err := u.m.Mtimes.Settle(ItemTimeKey(it.ID), node.AssetTimeKey(assetID), it.Written); err != nil {
		u.m.Log.WithFields(logrus.Fields{"op": "upload", "id": assetID}).WithError(err).Warn("could not keep the modification time")
	}
}

// uploadedMtime is the time shown for the asset a that item id's upload
// made: until the upload is settled (Settle), the item's.
func (u *Files) uploadedMtime(id string, a *api.Asset) time.Time {
	if t, ok := u.m.Mtimes.Get(node.AssetTimeKey(a.ID)); ok {
		return t
	}
	if it, ok := u.s.Get(id); ok {
		return u.itemMtime(id, it.Written)
	}
	return a.UploadedAt
}
