package written

// rename(2) in assets/ of a queued file or an uploaded asset (the name
// and what it overwrites are resolved by package assets), and fsync of an
// asset a rename or a write is replacing.
//
// Locking: none of its own.

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/view"
)

// RenameItem re-targets a queued file. Renamed to a final name, its
// content must be a type Krea accepts (temp names are exempt until then);
// an empty file stays local until it has content.
func (u *Files) RenameItem(it queue.Item, newName string, reps []string) error {
	if len(reps) == 0 && u.restoreMoved(it, newName) {
		return nil
	}
	if err := u.s.RenameItem(it, newName, reps); err != nil {
		if errors.Is(err, upload.ErrNotAccepted) {
			return fmt.Errorf("%v: %w", err, syscall.EINVAL)
		}
		return err
	}
	u.m.Log.WithFields(logrus.Fields{"op": "rename", "path": "assets/" + it.Name, "to": newName, "item": it.ID}).
		WithField("kind", view.ClassifyPath(newName).String()).Debug("queued file renamed")
	return nil
}

// RenameAsset is mv of an uploaded asset: its bytes (from the content
// cache, downloaded if needed) are queued under newName, replacing the
// asset (and reps) once uploaded. Like rename(2), it keeps the file's
// modification time (the asset's: set by the user, else its upload time).
// Renamed to a temp or junk name (an editor's backup), the copy remembers
// where it came from: renamed back unchanged, the asset is restored
// (restoreMoved).
func (u *Files) RenameAsset(ctx context.Context, a api.Asset, name, newName string, reps []string) error {
	id, f, err := u.s.Create(newName)
	if err != nil {
		return err
	}
	if err := u.m.Mtimes.Set(ItemTimeKey(id), u.m.AssetMtime(&a)); err != nil {
		u.m.Log.WithFields(logrus.Fields{"op": "rename", "item": id}).WithError(err).Warn("could not keep the modification time")
	}
	err = u.s.CopyAsset(ctx, &a, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		u.Forget(id)
		if cerr := u.s.Drop(id); cerr != nil {
			u.m.Log.WithFields(logrus.Fields{"op": "rename", "item": id}).WithError(cerr).Warn("dropping the unfinished copy")
		}
		return fmt.Errorf("copying the asset's bytes for the new name: %w", err)
	}
	u.s.AddReplaces(id, append([]string{a.ID}, reps...)...)
	if view.ClassifyPath(newName) != view.FinalName {
		u.s.SetMoved(id, a, name)
	}
	u.Release(id, false)
	u.NotifyNames(false, newName)
	u.m.Log.WithFields(logrus.Fields{"op": "rename", "to": "assets/" + newName, "id": a.ID, "item": id}).
		Info("asset renamed: uploading it under the new name; the old asset is deleted after that upload")
	return nil
}

// WaitReplacement is fsync of an uploaded asset: it waits for the queued
// files that replace it, if any (nil when there are none).
func (u *Files) WaitReplacement(ctx context.Context, assetID string) error {
	var errs []error
	for _, id := range u.s.Replacers(assetID) {
		if err := u.s.Wait(ctx, id); err != nil && !errors.Is(err, queue.ErrCanceled) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
