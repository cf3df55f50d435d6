package trash

// What GVfs (gvfsd-trash, behind trash:/// and `gio trash --empty`) needs
// of the trash:
//
//   - expunged/: gvfsd-trash deletes an item by renaming files/<name> to
//     expunged/<number> (after a mkdir of expunged/ whose failure it
//     ignores), removing info/<name>.trashinfo, then unlinking what
//     expunged/ holds from a thread of its own. Here the rename takes the
//     item out of files/ (in memory only: state.Trash still holds it, so a
//     remount before the unlink shows it in files/ again, still kept on
//     Krea) and the unlink of expunged/<number> deletes the asset on Krea,
//     as an rm in files/ does. A failed DELETE leaves it in expunged/,
//     where the next emptying tries again.
//   - the mtime of the trash's directories: gvfsd-trash lists a trash
//     directory again only when its mtime changed since it last looked,
//     so they report when what the trash holds last changed (changedAt).
//
// Locking: expunging.mu and changes.mu are leaves, never held while
// calling assets/ or state.Trash.

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// expungedName is the directory GVfs moves items into to delete them.
const expungedName = "expunged"

// expunging is what expunged/ holds: its names, each the name in files/
// of a trashed item.
type expunging struct {
	mu    sync.Mutex
	items map[string]string // name in expunged/ -> item
	of    map[string]bool   // items in expunged/
}

func (x *expunging) has(item string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.of[item]
}

// put records item at name n; false if n is taken or item is there.
func (x *expunging) put(n, item string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.items == nil {
		x.items, x.of = map[string]string{}, map[string]bool{}
	}
	if _, taken := x.items[n]; taken || x.of[item] {
		return false
	}
	x.items[n], x.of[item] = item, true
	return true
}

func (x *expunging) get(n string) (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	item, ok := x.items[n]
	return item, ok
}

func (x *expunging) remove(n string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.of, x.items[n])
	delete(x.items, n)
}

// names is every name in expunged/, sorted.
func (x *expunging) names() []string {
	x.mu.Lock()
	out := make([]string, 0, len(x.items))
	for n := range x.items {
		out = append(out, n)
	}
	x.mu.Unlock()
	sort.Strings(out)
	return out
}

// changes is when what the trash holds last changed, as a fingerprint
// of it and the time it was first seen different.
type changes struct {
	mu sync.Mutex
	fp uint64
	at time.Time
}

// changedAt is the mtime of the trash's directories: the mount's start,
// then the clock time at which a look found the trash changed.
func (r *Trash) changedAt() time.Time {
	h := fnv.New64a()
	for _, e := range r.trash.List() {
		fmt.Fprintf(h, "%s\x00%s\x00%t\x00", e.Name, e.ID, e.HasInfo)
	}
	for _, n := range r.ex.names() {
		fmt.Fprintf(h, "x%s\x00", n)
	}
	sum := h.Sum64()
	r.ch.mu.Lock()
	defer r.ch.mu.Unlock()
	switch {
	case r.ch.at.IsZero():
		r.ch.fp, r.ch.at = sum, r.Started
	case sum != r.ch.fp:
		r.ch.fp, r.ch.at = sum, r.Cfg.Clock()
	}
	return r.ch.at
}

// expunge is the rename of trashed item name to expunged/n.
func (r *Trash) expunge(name, n string) syscall.Errno {
	if errno := r.a.Writable(); errno != 0 {
		return errno
	}
	if !view.UsableName(n) {
		return syscall.EINVAL
	}
	e, ok := r.trash.Get(name)
	if !ok || e.ID == "" || r.ex.has(name) {
		return syscall.ENOENT
	}
	if !r.ex.put(n, name) {
		return syscall.EEXIST
	}
	r.Log.WithFields(logrus.Fields{"op": "rename", "path": view.TrashDirName(r.Cfg.UID) + "/files/" + name, "to": r.expungedPath(n)}).
		Debug("trashed asset moved to expunged/: deleted on Krea when removed from there")
	return 0
}

func (r *Trash) expungedPath(n string) string {
	return view.TrashDirName(r.Cfg.UID) + "/" + expungedName + "/" + n
}

// expungedDir is MOUNT/.Trash-<uid>/expunged.
type expungedDir struct {
	gofs.Inode
	node.BigStatfs
	r *Trash
}

func (d *expungedDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.r.trashAttr(&out.Attr, d.StableAttr().Ino)
	out.SetTimeout(0)
	return 0
}

// Setattr (gvfsd-trash makes it 0700 before emptying it): accepted, no
// change.
func (d *expungedDir) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return d.Getattr(ctx, fh, out)
}

func (d *expungedDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	var es []fuse.DirEntry
	for _, n := range d.r.ex.names() {
		es = append(es, fuse.DirEntry{Name: n, Mode: syscall.S_IFREG, Ino: node.InoFor("trashexpunged:" + n)})
	}
	return node.WithDots(d.EmbeddedInode(), es), 0
}

// Lookup finds an item being deleted: its asset, or an empty file when
// the listing no longer has it (the unlink must still find it).
func (d *expungedDir) Lookup(ctx context.Context, n string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	item, ok := d.r.ex.get(n)
	if !ok {
		return nil, syscall.ENOENT
	}
	if e, ok := d.r.trash.Get(item); ok {
		if a := d.r.trashedAsset(ctx, e); a != nil {
			return d.r.a.AssetEntry(ctx, &d.Inode, a, out)
		}
	}
	ino := node.InoFor("trashexpunged:" + n)
	d.r.FileAttr(&out.Attr, ino, 0, d.r.Started)
	out.SetEntryTimeout(0)
	out.SetAttrTimeout(0)
	return d.NewInode(ctx, &gofs.Inode{}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino}), 0
}

// Unlink deletes the item's asset on Krea (the trash is being emptied).
func (d *expungedDir) Unlink(ctx context.Context, n string) syscall.Errno {
	fields := logrus.Fields{"op": "unlink", "path": d.r.expungedPath(n)}
	if errno := d.r.a.Writable(); errno != 0 {
		return errno
	}
	item, ok := d.r.ex.get(n)
	if !ok {
		return syscall.ENOENT
	}
	e, ok := d.r.trash.Get(item)
	if ok && e.ID != "" {
		if err := d.r.a.DeleteAsset(ctx, assetPath(e), e.ID); err != nil {
			return node.Fail(d.r.Log, fields, err)
		}
		if err := d.r.untrash(e); err != nil {
			return node.Fail(d.r.Log, fields, err)
		}
	}
	d.r.ex.remove(n)
	d.r.Log.WithFields(fields).WithField("item", item).Info("trashed asset deleted")
	return 0
}

// Rename out of expunged/: what is there is being deleted.
func (d *expungedDir) Rename(ctx context.Context, n string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	d.r.Log.WithFields(logrus.Fields{"op": "rename", "path": d.r.expungedPath(n)}).Info("refused: what expunged/ holds is being deleted")
	return syscall.EPERM
}

// assetPath is where trashed item e was below assets/, for logs.
func assetPath(e state.TrashEntry) string { return strings.TrimPrefix(e.Path, "assets/") }
