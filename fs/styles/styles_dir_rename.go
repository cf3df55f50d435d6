package styles

// mv of a style's directory: a rename through PATCH /styles/{id}, when
// Krea takes it (docs/jobs-and-styles.md, "styles/", "What you can
// change").
//
// Locking: no lock is held across the PATCH; installStyle takes
// stylesDir.mu briefly (see styles_dir.go).

import (
	"context"
	"errors"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// Rename renames a style (PATCH /styles/{id} with the new title). Only
// within styles/; the new name must be a usable file name that no other
// style shows under.
func (d *stylesDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	f := logrus.Fields{"op": "rename", "path": "styles/" + name, "to": newName}
	if d.r.Cfg.ReadOnly {
		return syscall.EROFS
	}
	if np, ok := newParent.(*stylesDir); !ok || np != d {
		d.r.Log.WithFields(f).Info("refused: a style can only be renamed within styles/")
		return syscall.EPERM
	}
	if flags&gofs.RENAME_EXCHANGE != 0 {
		return syscall.EINVAL
	}
	if name == view.ByIDName || newName == view.ByIDName {
		return syscall.EPERM
	}
	s, _, err := d.lookup(ctx, name)
	if err != nil {
		return node.Fail(d.r.Log, f, err)
	}
	f["id"] = s.ID
	if name == newName {
		return 0
	}
	if !view.UsableName(newName) {
		// EPERM, not EINVAL: GNU mv reports EINVAL from rename(2) as
		// "cannot move a directory into itself", which would mislead.
		d.r.Log.WithFields(f).Info("refused: not a usable style title")
		return syscall.EPERM
	}
	t, err := d.table(ctx, false)
	if err != nil {
		return node.Fail(d.r.Log, f, err)
	}
	if why := view.NameTaken(t, s.ID, newName); why != "" {
		d.r.Log.WithFields(f).Info("refused: " + why)
		return syscall.EEXIST
	}
	return d.rename(ctx, s.ID, newName, f)
}

// rename PATCHes the title and installs the answer in the listing. Krea
// documents PATCH /styles/{id} as changing only a style's public flag; a
// title may be refused (400 "No valid fields to update"), accepted, or
// answered 200 and ignored. Only an answer carrying the new title is a
// rename; anything else is EPERM with a log line saying why, so mv never
// "succeeds" only to see the old name come back at the next listing.
func (d *stylesDir) rename(ctx context.Context, id, title string, f logrus.Fields) syscall.Errno {
	octx, cancel := d.r.OpContext(ctx)
	defer cancel()
	s, err := d.r.Cfg.Remote.PatchStyle(octx, id, api.StylePatch{Title: &title})
	if err != nil {
		if errors.Is(err, api.ErrNotFound) {
			d.listing.Invalidate() // or it is gone: the next listing says
		}
		return renameErrno(d.r.Log, f, err)
	}
	if s.ID != id {
		d.r.Log.WithFields(f).Warn("API answered PATCH /styles/{id} with another style")
		d.listing.Invalidate()
		return syscall.EIO
	}
	d.installStyle(ctx, s, f)
	if s.Title == nil || *s.Title != title {
		l := d.r.Log.WithFields(f)
		if s.Title != nil {
			l = l.WithField("title", *s.Title)
		}
		l.Warn(noStyleRename + " (it answered without the new title); the style keeps the title shown")
		return syscall.EPERM
	}
	d.r.Log.WithFields(f).Info("style renamed")
	return 0
}

// noStyleRename starts the log line of a refused style rename.
const noStyleRename = "refused: Krea does not rename styles through its API"

// installStyle puts the API's answer about a style into the listing (and
// the styles fetched by id), so the next name lookup shows what it says.
func (d *stylesDir) installStyle(ctx context.Context, s *api.Style, f logrus.Fields) {
	d.listing.Update(func(ss []api.Style) []api.Style {
		out := make([]api.Style, len(ss))
		copy(out, ss)
		for i := range out {
			if out[i].ID == s.ID {
				out[i] = *s
			}
		}
		return out
	})
	d.mu.Lock()
	if fs := d.fetched[s.ID]; fs != nil {
		fs.style = *s
	}
	d.mu.Unlock()
	if _, err := d.table(ctx, false); err != nil {
		d.r.Log.WithFields(f).WithError(err).Debug("listing after rename")
	}
}

// renameErrno maps an API refusal of a rename, always to an errno mv
// reports truthfully. A 400 or any other invalid-request answer (Krea
// refuses a title: "No valid fields to update") is EPERM, never EINVAL,
// which GNU mv reports as "cannot move a directory into a subdirectory of
// itself". 403 (not the user's style) is EPERM rather than the table's
// EACCES; so is 404, which PATCH answers for a style the user can see but
// does not own ("not found or you are not the owner", the spec says). The
// rest follows the errno table. Refusals are logged at warning level.
func renameErrno(log logrus.FieldLogger, f logrus.Fields, err error) syscall.Errno {
	switch {
	case errors.Is(err, api.ErrForbidden) || errors.Is(err, api.ErrNotFound):
		log.WithFields(f).WithError(err).Warn("the API refused to rename the style (only its owner can)")
		return syscall.EPERM
	case node.ToErrno(err) == syscall.EINVAL:
		log.WithFields(f).WithField("api", node.APIMessage(err)).Warn(noStyleRename + " (PATCH /styles/{id} with a title was refused)")
		return syscall.EPERM
	}
	return node.Fail(log, f, err)
}
