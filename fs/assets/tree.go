package assets

// The assets tree's shared state: assets/, its write state, and what the
// nodes of assets/ share beyond node.Mount.
//
// Locking: Tree's fields are fixed at New; assetGens has its own leaf lock
// (asset_gen.go), and the children keep theirs.

import (
	"context"

	gofs "github.com/hanwen/go-fuse/v2/fs"

	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/assets/written"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// Tree is MOUNT/assets with its hidden .by-id/ and the files written into
// it (docs/writes.md).
type Tree struct {
	*node.Mount

	assets   *assetsDir
	up       *written.Files // write state of assets/ (holds no queue when readOnly)
	readOnly bool           // assets/ takes no change: Config.ReadOnly, or no Config.Uploads

	gens assetGens // inode generations of assets written over while read (asset_gen.go)

	// kept names files uploaded from this cache dir (names_kept.go); nil
	// without Config.StateDir.
	kept *state.Names
	// folders are the folders made by mkdir (folder_dir.go), kept in the
	// state directory (in memory only without one).
	folders *state.Folders
	// trash is what MOUNT/.Trash-<uid> holds (trash.go), kept in the state
	// directory (in memory only without one).
	trash *state.Trash
}

// New builds assets/ on m and starts the upload queue (Config.Uploads),
// whose uploads resumed from an earlier mount report to the tree from
// then on.
func New(m *node.Mount) (*Tree, error) {
	r := &Tree{Mount: m}
	var err error
	if r.kept, err = m.State.Names(); err != nil {
		return nil, err
	}
	if r.folders, err = m.State.Folders(); err != nil {
		// A damaged file: start with no local folders (the next mkdir
		// replaces it); say so once.
		m.Log.WithError(err).Warn("local folders")
	}
	if r.trash, err = m.State.Trash(); err != nil {
		m.Log.WithError(err).Warn("trash")
	}
	r.readOnly = m.Cfg.ReadOnly || m.Cfg.Uploads == nil
	q := m.Cfg.Uploads
	if r.readOnly {
		q = nil
	}
	r.up = written.New(m, upload.NewSession(q, m.Cfg.Content, view.HoldPath, r.Log), r.readOnly, writtenHost{r})
	r.assets = newAssetsDir(r)
	if m.Cfg.Offline {
		r.assets.loadSaved()
	}
	if !r.readOnly {
		// The tree exists: uploads resumed from an earlier mount may
		// finish and report to it from now on.
		r.up.Session().Start(queue.Observer{Uploaded: r.uploaded, Refused: r.refused})
	}
	return r, nil
}

// Dir is the node of MOUNT/assets.
func (r *Tree) Dir() gofs.InodeEmbedder { return r.assets }

// OnAdd adds the hidden .by-id directory once assets/ is in the tree, and
// marks the tree live for the write path's kernel notifications.
func (r *Tree) OnAdd(ctx context.Context) {
	r.assets.onAdd(ctx)
	r.up.MarkLive()
}

// ReadOnly says whether assets/ refuses every change.
func (r *Tree) ReadOnly() bool { return r.readOnly }

// Status is the upload queue as text (upload.FormatStatus).
func (r *Tree) Status() []byte { return r.up.Session().Status() }

// Close closes the kept names log; call it after node.Mount.Stop.
func (r *Tree) Close() {
	if err := r.kept.Close(); err != nil {
		r.Log.WithError(err).Warn("closing the kept names log")
	}
}
