package fs

// Modification times. Krea stores no mtime: an asset shows its uploaded_at,
// and a queued file the time it was last written, unless a program set a
// time (touch -d, utimes, rsync -t, cp -p). Such a time is kept in the
// cache directory (state.Mtimes) under the asset's id, or the queued
// item's id until its upload completes, when it moves to the new asset:
// `rsync -rt` run twice then sends nothing the second time. A file written
// here without a time set keeps its last write's time as the asset's (its
// mtime does not jump to uploaded_at when the upload completes). Times are
// local to this cache directory; docs/semantics.md says so. A time is
// forgotten with its file: rm, a write, or the asset leaving the listing
// (deleted elsewhere while mounted, or between mounts if the saved listing
// still had it).

import (
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

func assetTimeKey(id string) string { return "a:" + id }
func itemTimeKey(id string) string  { return "u:" + id }

// assetMtime is the time shown for a: the one set on this machine, else
// its upload time.
func (r *Root) assetMtime(a *api.Asset) time.Time {
	if t, ok := r.mtimes.Get(assetTimeKey(a.ID)); ok {
		return t
	}
	return a.UploadedAt
}

// itemMtime is the time shown for a queued file last written at modified.
func (r *Root) itemMtime(id string, modified time.Time) time.Time {
	if t, ok := r.mtimes.Get(itemTimeKey(id)); ok {
		return t
	}
	return modified
}

// keepMtime records the mtime a setattr asks for under key, if it asks
// for one. A failure to record it is logged, not returned: the time is a
// convenience, the call's other effects stand.
func (r *Root) keepMtime(key string, in *fuse.SetAttrIn) {
	t, ok := in.GetMTime()
	if !ok {
		return
	}
	if err := r.mtimes.Set(key, t); err != nil {
		r.log.WithFields(logrus.Fields{"op": "setattr", "key": key}).WithError(err).Warn("could not keep the modification time")
	}
}

// moveMtime hands a queued item's time to the asset it became.
func (r *Root) moveMtime(itemID, assetID string) {
	if err := r.mtimes.Move(itemTimeKey(itemID), assetTimeKey(assetID)); err != nil {
		r.log.WithFields(logrus.Fields{"op": "upload", "id": assetID}).WithError(err).Warn("could not keep the modification time")
	}
}

// keepWrittenTime gives the asset an uploaded item became the item's
// time: the one set on it, else its last write; a time set on the asset
// itself since the upload made it (the item's node shows the asset then)
// stands.
func (r *Root) keepWrittenTime(it queue.Item, assetID string) {
	if err := r.mtimes.Settle(itemTimeKey(it.ID), assetTimeKey(assetID), it.Modified); err != nil {
		r.log.WithFields(logrus.Fields{"op": "upload", "id": assetID}).WithError(err).Warn("could not keep the modification time")
	}
}

// uploadedMtime is the time shown for the asset a that item id's upload
// made: until the upload is settled (keepWrittenTime), the item's.
func (r *Root) uploadedMtime(id string, a *api.Asset) time.Time {
	if t, ok := r.mtimes.Get(assetTimeKey(a.ID)); ok {
		return t
	}
	if it, ok := r.up.s.Get(id); ok {
		return r.itemMtime(id, it.Modified)
	}
	return a.UploadedAt
}

// forgetMtime drops the time kept under key (the file is gone).
func (r *Root) forgetMtime(key string) {
	if err := r.mtimes.Delete(key); err != nil {
		r.log.WithFields(logrus.Fields{"op": "remove", "key": key}).WithError(err).Warn("could not drop the modification time")
	}
}
