package fs

// The mount's side of the write-back upload queue (cache/writeback): what
// the file system knows about files written into assets/ beyond what the
// queue journals, and how queued files and pending deletes change what
// assets/ shows.
//
// Locking: uploads.mu guards every field below it. It is never held while
// calling the queue (which takes its own locks and does disk I/O), the
// API, the content cache, or a go-fuse Notify* function; kernel
// notifications go through Root.notifyAsync.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/writeback"
	"github.com/kreafs/kreafs/fs/view"
)

// doneKeep is how long a finished upload's asset is remembered for the
// nodes (and kernel entries) that still name the queue item.
const doneKeep = 10 * time.Minute

// uploads is the write state of one mount. nil when the mount is
// read-only (Config.Uploads == nil).
type uploads struct {
	r    *Root
	q    *writeback.Queue
	live atomic.Bool // the tree is mounted: kernel notifications may be sent

	mu       sync.Mutex
	writers  map[string]int        // item id -> file handles of ours open for writing
	refused  map[string]error      // item id -> why its content will not be uploaded (dropped at its last close)
	phantom  map[string]bool       // item id -> we hold one queue writer: an empty file, kept local
	replaces map[string][]string   // item id -> asset ids it replaces, handed to the queue at its last close
	clean    map[string]bool       // item id -> an asset's bytes opened for writing, not changed (yet)
	done     map[string]doneUpload // item id -> the asset its upload made
	moved    map[string]movedAsset // item id -> the asset it is an unchanged copy of, under a temp name (restoreMoved)
}

type doneUpload struct {
	asset api.Asset
	at    time.Time
}

func newUploads(r *Root, q *writeback.Queue) *uploads {
	return &uploads{
		r: r, q: q,
		writers:  map[string]int{},
		refused:  map[string]error{},
		phantom:  map[string]bool{},
		replaces: map[string][]string{},
		clean:    map[string]bool{},
		done:     map[string]doneUpload{},
		moved:    map[string]movedAsset{},
	}
}

// uploadIno is the inode number of a queued file (stable across restarts:
// item ids are).
func uploadIno(itemID string) uint64 { return inoFor("upload:" + itemID) }

// --- what assets/ hides and shows ---

// hiddenIDs are the assets listings must not show besides those deleted
// through the mount (assetsDir.deleted, dropped when a table is built):
// those a queued file replaces (the queue's and ours) and those being
// deleted.
func (u *uploads) hiddenIDs() map[string]bool {
	hidden := u.q.Shadowed()
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, ids := range u.replaces {
		for _, id := range ids {
			hidden[id] = true
		}
	}
	return hidden
}

// removed hides assets removed through the mount for good (asset ids are
// never reused): rm, and the assets an upload replaced or a cancelled
// overwrite leaves to delete. The queue deletes them; a listing that still
// has them is not believed.
func (u *uploads) removed(ids ...string) {
	if len(ids) == 0 {
		return
	}
	d := u.r.assets
	d.mu.Lock()
	for _, id := range ids {
		d.deleted[id] = true
	}
	d.mu.Unlock()
	d.listing.Update(withoutIDs(ids...))
	for _, id := range ids {
		u.r.cfg.Content.Remove(contentKey(id))
		u.r.forgetMtime(assetTimeKey(id))
	}
}

// extraAssets are uploads that finished but that the listing may not have
// yet (the queue marks an item Uploaded before telling us): shown as
// assets so that a name never vanishes between "pending" and "listed".
// Each gets its queued file's time first (keepWrittenTime, idempotent), so
// that the name shows one time throughout.
func (u *uploads) extraAssets(items []writeback.Item) []api.Asset {
	var out []api.Asset
	for _, it := range items {
		if it.State == writeback.Uploaded && it.Asset != nil {
			u.r.keepUploadedName(it, it.Asset)
			u.r.keepWrittenTime(it, it.Asset.ID)
			out = append(out, *it.Asset)
		}
	}
	return out
}

// pending is what listings of assets/ need from the upload side, in one
// call: the queued files, the assets being deleted or replaced, and the
// finished uploads the listing may lack (view.Pending).
func (u *uploads) pending() view.Pending {
	items := u.q.Items()
	return view.Pending{Queued: queuedOf(items), Hidden: u.hiddenIDs(), Uploaded: u.extraAssets(items)}
}

// queuedOf are the items whose state is visible, under a usable name,
// oldest first (of two with one name, which the mount never makes, the
// newest wins in view.Merge).
func queuedOf(items []writeback.Item) []view.Queued {
	var out []view.Queued
	for _, it := range items {
		if it.State.Visible() && usableName(it.Name) {
			out = append(out, view.Queued{Name: it.Name, Ino: uploadIno(it.ID)})
		}
	}
	return out
}

// --- the items' fs-side state ---

// opened counts a write handle of ours on item id.
func (u *uploads) opened(id string) {
	u.mu.Lock()
	u.writers[id]++
	u.mu.Unlock()
}

// writersOf is how many write handles of ours item id has.
func (u *uploads) writersOf(id string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.writers[id]
}

// refuse marks item id's content as not to be uploaded (a write past the
// size limit, a type Krea does not take, a failed write): its last close
// drops it. The first reason is kept.
func (u *uploads) refuse(id string, err error) (first bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.refused[id] != nil {
		return false
	}
	u.refused[id] = err
	return true
}

func (u *uploads) refusal(id string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.refused[id]
}

// addReplaces records asset ids item id replaces, handed to the queue at
// its last close (so that content refused at close never deletes them).
func (u *uploads) addReplaces(id string, ids ...string) {
	if len(ids) == 0 {
		return
	}
	u.mu.Lock()
	u.replaces[id] = appendNew(u.replaces[id], ids...)
	u.mu.Unlock()
}

// replacing reports whether item id replaces assets not yet handed to the
// queue (an asset opened for writing, or renamed: refusing the item leaves
// them as they are).
func (u *uploads) replacing(id string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.replaces[id]) > 0
}

// forget drops the fs-side state of item id, returning the replaced asset
// ids not yet handed to the queue.
func (u *uploads) forget(id string) (replaces []string) {
	u.r.forgetMtime(itemTimeKey(id))
	u.mu.Lock()
	defer u.mu.Unlock()
	replaces = u.replaces[id]
	delete(u.writers, id)
	delete(u.refused, id)
	delete(u.phantom, id)
	delete(u.replaces, id)
	delete(u.clean, id)
	delete(u.moved, id)
	return replaces
}

// takeReplaces returns and drops the asset ids item id replaces that are
// not handed to the queue yet.
func (u *uploads) takeReplaces(id string) []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	reps := u.replaces[id]
	delete(u.replaces, id)
	return reps
}

// isClean reports an asset opened for writing whose bytes are unchanged.
func (u *uploads) isClean(id string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.clean[id]
}

// changed records that item id's content was written or truncated (which
// also makes a modification time set earlier give way to the write's).
func (u *uploads) changed(id string) {
	u.r.forgetMtime(itemTimeKey(id))
	u.mu.Lock()
	delete(u.clean, id)
	delete(u.moved, id)
	u.mu.Unlock()
}

// finished remembers the asset item id's upload made, for the nodes that
// still name the item.
func (u *uploads) finished(id string, a api.Asset) {
	now := time.Now()
	u.mu.Lock()
	defer u.mu.Unlock()
	for k, d := range u.done {
		if now.Sub(d.at) > doneKeep {
			delete(u.done, k)
		}
	}
	u.done[id] = doneUpload{asset: a, at: now}
}

// doneAsset is the asset item id's upload made, if known.
func (u *uploads) doneAsset(id string) (api.Asset, bool) {
	if it, ok := u.q.Get(id); ok && it.Asset != nil {
		return *it.Asset, true
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	d, ok := u.done[id]
	return d.asset, ok
}

func appendNew(list []string, ids ...string) []string {
	for _, id := range ids {
		found := false
		for _, x := range list {
			if x == id {
				found = true
				break
			}
		}
		if !found && id != "" {
			list = append(list, id)
		}
	}
	return list
}

// release ends one write handle of ours on item id (its *os.File already
// closed). At the last one the content is judged: refused content is
// dropped (the close already failed, and the log says why); an empty file
// with a final name is kept local (programs create files empty and write
// them later); anything else is handed to the queue, which uploads it
// after the delay.
func (u *uploads) release(id string, wait bool) {
	log := u.r.log.WithFields(logrus.Fields{"op": "release", "item": id})
	u.mu.Lock()
	u.writers[id]--
	last := u.writers[id] <= 0
	if last {
		delete(u.writers, id)
	}
	refused := u.refused[id]
	phantom := u.phantom[id]
	reps := u.replaces[id]
	unchanged := u.clean[id]
	u.mu.Unlock()

	if !last {
		if err := u.q.Release(id); err != nil {
			log.WithError(err).Warn("releasing a writer")
		}
		return
	}
	it, ok := u.q.Get(id)
	if !ok || it.State == writeback.Canceled {
		u.forget(id)
		return
	}
	log = log.WithField("path", "assets/"+it.Name)
	if unchanged && refused == nil {
		// An asset opened for writing and closed without a change: no
		// replacement (it would only give the asset a new id). A time
		// set meanwhile (touch opens the file) goes to the asset.
		if len(reps) == 1 {
			u.r.moveMtime(id, reps[0])
		}
		u.forget(id)
		if err := u.q.Cancel(id); err != nil {
			log.WithError(err).Warn("dropping an unchanged copy")
		}
		log.Debug("asset opened for writing but not changed: nothing to upload")
		u.notifyNames(wait, it.Name)
		return
	}
	if refused != nil {
		u.forget(id)
		if err := u.q.Cancel(id); err != nil {
			log.WithError(err).Warn("dropping refused file")
		}
		log.WithError(refused).Debug("refused file removed (its close failed and was logged)")
		u.notifyNames(wait, it.Name)
		return
	}
	if classifyName(it.Name) == finalName && spoolSize(it.Spool) == 0 {
		if !phantom {
			// Keep our writer: the queue keeps the file as Writing (never
			// uploaded; dropped by the next mount if still empty).
			u.mu.Lock()
			u.phantom[id] = true
			u.mu.Unlock()
			log.Debug("empty file kept locally until it has content")
			return
		}
		if err := u.q.Release(id); err != nil {
			log.WithError(err).Warn("releasing a writer")
		}
		return
	}
	if len(reps) > 0 && classifyName(it.Name) == finalName {
		// A temp or junk name is never uploaded: what it replaces stays
		// with us (hidden) until it gets a final name (renameItem) or is
		// removed (cancel), so that a move back can restore it.
		if err := u.q.Rename(id, it.Name, reps...); err != nil {
			log.WithError(err).Warn("recording the replaced assets")
		}
		u.mu.Lock()
		delete(u.replaces, id)
		u.mu.Unlock()
	}
	if err := u.q.Release(id); err != nil {
		log.WithError(err).Warn("queueing the upload")
	}
	if phantom {
		u.mu.Lock()
		delete(u.phantom, id)
		u.mu.Unlock()
		if err := u.q.Release(id); err != nil {
			log.WithError(err).Warn("releasing the placeholder writer")
		}
	}
	u.mu.Lock()
	delete(u.refused, id)
	u.mu.Unlock()
	u.notifyNames(wait, it.Name)
}

// holdEmpty keeps an empty item that is not open for writing out of the
// queue's hands (before it is renamed to a final name).
func (u *uploads) holdEmpty(id string) error {
	u.mu.Lock()
	if u.phantom[id] {
		u.mu.Unlock()
		return nil
	}
	u.mu.Unlock()
	f, err := u.q.OpenWrite(id, false)
	if err != nil {
		return err
	}
	f.Close()
	u.mu.Lock()
	u.phantom[id] = true
	u.mu.Unlock()
	return nil
}

// cancel removes queued file it (rm, or a rename over it): its upload is
// cancelled and the assets it replaced are deleted (they were shown under
// its name). Those assets stay hidden until listings no longer have them.
func (u *uploads) cancel(it writeback.Item) error {
	reps := u.forget(it.ID)
	if err := u.q.Cancel(it.ID); err != nil {
		return err
	}
	u.removed(it.Replaces...)
	if len(reps) > 0 {
		if _, err := u.q.DeleteAssets(it.Name, reps...); err != nil {
			return err
		}
		u.removed(reps...)
	}
	return nil
}

// deleteAsset removes an uploaded asset (rm): DELETE /assets/{id} now (404
// counts as done); a refusal (401, 403) fails the rm and leaves the asset.
// If the API cannot be reached (network, 5xx and 429 after the client's
// retries, OpTimeout), the delete is journaled and retried in the
// background until it is done, and the rm succeeds. Either way the name is
// gone at once and stays gone.
func (u *uploads) deleteAsset(ctx context.Context, name, id string) error {
	log := u.r.log.WithFields(logrus.Fields{"op": "unlink", "path": "assets/" + name, "id": id})
	octx, cancel := context.WithTimeout(ctx, deleteWait)
	err := u.r.cfg.Remote.DeleteAsset(octx, id)
	cancel()
	switch {
	case err == nil, errors.Is(err, api.ErrNotFound), errors.Is(err, api.ErrGone):
		u.removed(id)
		log.Info("asset deleted")
		return nil
	case ctx.Err() != nil:
		return ctx.Err() // interrupted
	case !api.Temporary(err) && !errors.Is(err, context.DeadlineExceeded):
		return err // refused: the asset stays
	}
	if _, qerr := u.q.DeleteAssets(name, id); qerr != nil {
		return errors.Join(err, qerr)
	}
	u.removed(id)
	log.WithError(err).Warn("the API did not answer the delete; it is recorded and retried in the background")
	return nil
}

// deleteWait is how long an rm waits for the API's answer to its DELETE
// before recording it for the background (the kernel holds assets/ locked
// while an unlink runs: every ls and create there waits with it).
const deleteWait = 5 * time.Second

// withoutIDs is a Listing edit that drops assets (idempotent).
func withoutIDs(ids ...string) func([]api.Asset) []api.Asset {
	drop := map[string]bool{}
	for _, id := range ids {
		drop[id] = true
	}
	return func(as []api.Asset) []api.Asset {
		out := make([]api.Asset, 0, len(as))
		for _, a := range as {
			if !drop[a.ID] {
				out = append(out, a)
			}
		}
		return out
	}
}

// withAsset is a Listing edit that adds a unless present (idempotent).
func withAsset(a api.Asset) func([]api.Asset) []api.Asset {
	return func(as []api.Asset) []api.Asset {
		for _, b := range as {
			if b.ID == a.ID {
				return as
			}
		}
		out := make([]api.Asset, 0, len(as)+1)
		out = append(out, a) // newest first, as the API lists
		return append(out, as...)
	}
}

// notifyNames makes the kernel look names of assets/ up again (they now
// lead to another file, or to none), without our locks. With wait, it
// waits (at most otherEntryWait) until the kernel has dropped them, so the
// caller's next lookup sees the change: only from operations during which
// the kernel holds no lock of assets/ (open, close, setattr; not create,
// rename or unlink).
func (u *uploads) notifyNames(wait bool, names ...string) {
	if !u.live.Load() || len(names) == 0 {
		return
	}
	d := u.r.assets
	fn := func() {
		for _, n := range names {
			notifyGone(&d.Inode, n)
		}
	}
	if wait {
		u.r.notifyWait(otherEntryWait, fn)
	} else {
		u.r.notifyAsync(fn)
	}
}

// spoolSize is the size of a spool file (0 if it cannot be read).
func spoolSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// Uploaded is the upload queue's OnUploaded: it puts the new asset in the
// assets listing at once, imports the uploaded bytes into the content
// cache (so reading the file just copied in costs no download), hides the
// assets it replaces (the queue deletes them next) and makes the kernel
// look the name up again (it now leads to the asset). Safe to call before
// the tree is mounted.
func (r *Root) Uploaded(it writeback.Item, a *api.Asset) {
	if a == nil {
		return
	}
	r.keepUploadedName(it, a)
	ImportUploaded(r.cfg.Content, it, a, r.log)
	r.keepWrittenTime(it, a.ID)
	u := r.up
	if u == nil {
		r.assets.listing.Update(withAsset(*a))
		return
	}
	u.finished(it.ID, *a)
	r.assets.listing.Update(withAsset(*a))
	u.removed(it.Replaces...)
	u.notifyNames(false, it.Name)
}

// ImportUploaded is the part of Root.Uploaded that needs no tree: it keeps
// the uploaded bytes in the content cache as the asset's content. For
// uploads that finish before the Root exists (resumed at start).
func ImportUploaded(store *cache.Store, it writeback.Item, a *api.Asset, log logrus.FieldLogger) {
	l := log.WithFields(logrus.Fields{"op": "upload", "path": "assets/" + it.Name, "id": a.ID})
	f, err := os.Open(it.Spool)
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
	if err := store.ImportFinal(contentKey(a.ID), f); err != nil {
		l.WithError(err).Warn("could not keep the uploaded bytes in the cache; they will be downloaded when read")
	}
}

// errNotAccepted is the refusal of content whose type Krea does not take.
var errNotAccepted = errors.New("not a file type Krea accepts (JPEG, PNG, WebP, HEIC, MP4, MOV, WebM, GLB, WAV, MP3)")

// errTooBig is the refusal of a write past Krea's upload limit.
var errTooBig = fmt.Errorf("larger than Krea's upload limit of %d bytes (75 MB): %w", api.MaxUploadBytes, syscall.EFBIG)

// checkType judges the first bytes of a spool file. Empty files pass
// (they are kept local until they have content).
func checkType(f *os.File) (mime string, err error) {
	head := make([]byte, api.SniffLen)
	n, rerr := f.ReadAt(head, 0)
	if n == 0 {
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return "", rerr
		}
		return "", nil
	}
	mime, ok := api.SniffMedia(head[:n])
	if !ok {
		return mime, fmt.Errorf("content is %s: %w", mime, errNotAccepted)
	}
	return mime, nil
}

// uploadEntry returns the node of queued file it and fills out.
func (r *Root) uploadEntry(ctx context.Context, parent *gofs.Inode, it writeback.Item, out *fuse.EntryOut) *gofs.Inode {
	ch := parent.NewInode(ctx, &uploadFile{r: r, id: it.ID}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: uploadIno(it.ID)})
	r.fileAttr(&out.Attr, uploadIno(it.ID), it.Size, r.itemMtime(it.ID, it.Modified))
	out.SetEntryTimeout(r.cfg.DirCacheTTL)
	out.SetAttrTimeout(uploadAttrTTL)
	return ch
}
