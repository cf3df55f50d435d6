package upload

// Decisions about writes to a queued file that its handles ask for: the
// size limit, the type check at the last close, a replacement of an
// uploaded asset (its bytes copied in), a rename, a cancel.

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

// itemFields are the log fields of an operation on item id.
func (s *Session) itemFields(op, id string) logrus.Fields {
	f := logrus.Fields{"op": op, "item": id}
	if it, ok := s.Get(id); ok {
		f["path"] = "assets/" + it.Name
	}
	return f
}

// TooBig answers a call (op: write, truncate, fallocate) that would take
// item id past Krea's 75 MB limit (end bytes); the call fails with EFBIG.
// If the handle's open made the file's content (fresh: created or
// truncated it, or a replacement of an uploaded asset, which stays on the
// account), nothing of it is uploaded: the item is rejected (ErrTooBig),
// its close fails too and it is removed, so a refused copy never becomes a
// truncated asset (the caller stops its stream first). Else (a queued
// file written earlier, opened without truncating) the call fails alone
// and the file keeps its bytes: what a user copied in before is never
// dropped by a later far write.
func (s *Session) TooBig(id, op string, end int64, fresh bool) {
	log := s.log.WithFields(s.itemFields(op, id)).WithField("size", end)
	if !fresh {
		log.Warn(op + " past the 75 MB upload limit refused (EFBIG); the file keeps its bytes")
		return
	}
	if s.Reject(id, ErrTooBig) {
		log.Warn(op + " past the 75 MB upload limit refused (EFBIG); the file will not be uploaded, and is removed at its close")
	}
}

// CheckClose judges the content of item id (f) at its writer's last
// close, if the item has a final name: content of a type Krea does not
// take is rejected and ErrNotAccepted returned (logged with the reason;
// the close fails with EINVAL, and the caller stops its stream). Another
// error is the check's own: the close fails with it.
func (s *Session) CheckClose(id string, f *File) error {
	it, ok := s.Get(id)
	if !ok || !s.final(it.Name) {
		return nil
	}
	mime, err := CheckType(f)
	if !errors.Is(err, ErrNotAccepted) {
		return err
	}
	s.Reject(id, err)
	fate := "the file is removed"
	if s.Replacing(id) {
		fate = "the asset already under this name is unchanged"
	}
	s.log.WithFields(s.itemFields("close", id)).WithField("mime", mime).
		Warn("save refused at close (EINVAL, \"Invalid argument\"): the content is " + mime +
			", not a type Krea accepts (JPEG, PNG, WebP, HEIC, MP4, MOV, WebM, GLB, WAV, MP3); nothing is uploaded and " + fate)
	return err
}

// Replacement makes a new queued file under name that replaces uploaded
// asset a once uploaded, open for writing (one writer counted): it holds
// a's bytes (from the content store, downloaded if needed) unless trunc.
// Closed unchanged, it is dropped (MarkClean). If the copy fails, the
// item is dropped and the error says so.
func (s *Session) Replacement(ctx context.Context, name string, a api.Asset, trunc bool) (string, *File, error) {
	id, f, err := s.Create(name)
	if err != nil {
		return "", nil, err
	}
	if !trunc {
		s.MarkClean(id)
		if err := s.CopyAsset(ctx, &a, f); err != nil {
			f.Close()
			s.Forget(id)
			if cerr := s.Drop(id); cerr != nil {
				s.log.WithFields(logrus.Fields{"op": "open", "item": id}).WithError(cerr).Warn("dropping the unfinished copy")
			}
			return "", nil, fmt.Errorf("copying the asset's bytes to modify them: %w", err)
		}
	}
	s.AddReplaces(id, a.ID)
	return id, f, nil
}

// CopyAsset copies an asset's whole content into dst through the content
// store, a MiB at a time (ErrTooBig past Krea's limit).
func (s *Session) CopyAsset(ctx context.Context, a *api.Asset, dst io.WriterAt) error {
	rd := s.store.Open(cache.Source{Key: cache.AssetKey(a.ID), URL: a.ImageURL, Size: a.Size()})
	defer rd.Close()
	buf := make([]byte, 1<<20)
	var off int64
	for {
		n, err := rd.ReadAt(ctx, buf, off)
		if n > 0 {
			if _, werr := dst.WriteAt(buf[:n], off); werr != nil {
				return werr
			}
			off += int64(n)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if off > api.MaxUploadBytes {
			return ErrTooBig
		}
	}
}

// RenameItem re-targets queued file it to newName, which replaces reps
// (asset ids) once uploaded. Renamed to a final name, its content must be
// a type Krea accepts (ErrNotAccepted; temp names are exempt until then);
// an empty file stays local until it has content. What a file still open
// for writing replaces is handed over at its last close; what a
// temp-named file replaces, once it has a final name.
func (s *Session) RenameItem(it queue.Item, newName string, reps []string) error {
	log := s.log.WithFields(logrus.Fields{"op": "rename", "path": "assets/" + it.Name, "to": newName, "item": it.ID})
	if s.final(newName) && s.Writers(it.ID) == 0 {
		if err := s.ReadyForFinalName(it); err != nil {
			if errors.Is(err, ErrNotAccepted) {
				log.WithError(err).Warn("rename to a final name refused: the content would not be accepted")
			}
			return err
		}
	}
	if s.KeptOpen(it.ID) { // judged at the last close; until then the replaced stay
		s.AddReplaces(it.ID, reps...)
		reps = nil
	} else if s.final(newName) {
		reps = append(s.TakeReplaces(it.ID), reps...)
	}
	return s.Rename(it.ID, newName, reps...)
}

// Cancel removes queued file it (rm, or a rename over it): its upload is
// cancelled and the assets it replaced are deleted (they were shown under
// its name). hide are the assets to hide for good: those the queue knew
// it replaced (the queue deletes them) and those handed to a background
// delete here (on an error, the former alone).
func (s *Session) Cancel(it queue.Item) (hide []string, err error) {
	reps := s.Forget(it.ID)
	if err := s.Drop(it.ID); err != nil {
		return nil, err
	}
	if len(reps) > 0 {
		if _, err := s.DeleteAssets(it.Name, reps...); err != nil {
			return it.Replaces, err
		}
	}
	return append(append([]string(nil), it.Replaces...), reps...), nil
}
