package node

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
)

// AssetTimeKey is the key of asset id's time in Mount.Mtimes.
func AssetTimeKey(id string) string { return "a:" + id }

// AssetMtime is the time shown for a: the one set on this machine, else
// its upload time.
func (m *Mount) AssetMtime(a *api.Asset) time.Time {
	if t, ok := m.Mtimes.Get(AssetTimeKey(a.ID)); ok {
		return t
	}
	return a.UploadedAt
}

// KeepMtime records the mtime a setattr asks for under key, if it asks
// for one. A failure to record it is logged, not returned: the time is a
// convenience, the call's other effects stand.
func (m *Mount) KeepMtime(key string, in *fuse.SetAttrIn) {
	t, ok := in.GetMTime()
	if !ok {
		return
	}
	if err := m.Mtimes.Set(key, t); err != nil {
		m.Log.WithFields(logrus.Fields{"op": "setattr", "key": key}).WithError(err).Warn("could not keep the modification time")
	}
}

// ForgetMtime drops the time kept under key (the file is gone).
func (m *Mount) ForgetMtime(key string) {
	if err := m.Mtimes.Delete(key); err != nil {
		m.Log.WithFields(logrus.Fields{"op": "remove", "key": key}).WithError(err).Warn("could not drop the modification time")
	}
}
