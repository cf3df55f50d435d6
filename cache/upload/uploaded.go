package upload

// A finished upload: the uploaded bytes become the asset's content in the
// content store, unless the asset is not what was sent.
//
// An upload whose asset is not what was sent: Krea may convert or
// truncate a file, and then the server's bytes are the truth. The local
// copy of the upload is not kept as the asset's content (reads come from
// the server), and one warning says what differed.

import (
	"errors"
	"io"
	"os"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/internal/durable"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

// Uploaded records that item it's upload made asset a (the nodes that
// still name the item show a from now on), after keeping the uploaded
// bytes in the content store as a's content, so that reading the file
// just copied in costs no download.
func (s *Session) Uploaded(it queue.Item, a *api.Asset) {
	if s.store != nil {
		importUploaded(s.store, it, a, s.log)
	}
	s.Finished(it.ID, *a)
}

// importUploaded keeps the uploaded bytes in the content cache as the
// asset's content.
func importUploaded(store *cache.Store, it queue.Item, a *api.Asset, log logrus.FieldLogger) {
	l := log.WithFields(logrus.Fields{"op": "upload", "path": "assets/" + it.Name, "id": a.ID})
	f, err := durable.Open(it.Spool)
	if err != nil {
		l.WithError(err).Warn("could not open the uploaded spool file for the cache")
		return
	}
	defer f.Close()
	if dropDiffering(store, f, a, l) {
		return
	}
	// The uploaded spool is never written again: the cache may link it
	// instead of copying it (ImportFinal).
	if err := store.ImportFinal(cache.AssetKey(a.ID), f); err != nil {
		l.WithError(err).Warn("could not keep the uploaded bytes in the cache; they will be downloaded when read")
	}
}

// uploadDiff compares the file sent (f, an uploaded spool) with the asset
// the server reports: its size_bytes and its type (by the extension each
// type implies, so image/heic and image/heif agree). What the server does
// not say (null size or type) and a sent type kreafs does not know are not
// compared. It returns the fields that differ ("sent_size", "got_size",
// "sent_type", "got_type"), or nil when nothing known differs.
func uploadDiff(f *os.File, a *api.Asset) (logrus.Fields, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	head := make([]byte, api.SniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	sent, _ := api.SniffMedia(head[:n])
	return diffFields(st.Size(), sent, a), nil
}

// diffFields is the pure part of uploadDiff.
func diffFields(sentSize int64, sentMIME string, a *api.Asset) logrus.Fields {
	var diff logrus.Fields
	if got := a.Size(); got >= 0 && got != sentSize {
		diff = logrus.Fields{"sent_size": sentSize, "got_size": got}
	}
	got := a.MIME()
	if sentExt := api.ExtForMIME(sentMIME); got != "" && sentExt != "bin" && api.ExtForMIME(got) != sentExt {
		if diff == nil {
			diff = logrus.Fields{}
		}
		diff["sent_type"], diff["got_type"] = sentMIME, got
	}
	return diff
}

// dropDiffering reports whether the asset a that f's upload made differs
// from f; then it makes sure the content cache holds no local copy for a
// (reads download the server's bytes) and logs one warning.
func dropDiffering(store *cache.Store, f *os.File, a *api.Asset, l logrus.FieldLogger) bool {
	diff, err := uploadDiff(f, a)
	if err != nil {
		l.WithError(err).Warn("could not compare the uploaded file with the asset; its bytes will be downloaded when read")
		store.Remove(cache.AssetKey(a.ID))
		return true
	}
	if diff == nil {
		return false
	}
	store.Remove(cache.AssetKey(a.ID))
	l.WithFields(diff).Warn("the asset Krea made differs from the file sent; reads download the server's bytes")
	return true
}
