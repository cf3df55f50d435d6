// Package trash is the mount's trash, MOUNT/.Trash-<uid>/ (view/trash.go
// for the layout):
// files/<name> is a trashed asset, info/<name>.trashinfo says where it was.
// GIO trashes by writing the info file, then renaming the file into
// files/; it restores by renaming it back and removing the info file; it
// empties by removing both. Trashing hides the asset from assets/ on this
// machine (state.Trash, kept across remounts), with no request; restoring
// shows it again, with no upload; removing it from files/ deletes it on
// Krea. A folder cannot be trashed (EXDEV: GIO then offers to delete it).
// GVfs (trash:///) empties the trash through expunged/ and lists it again
// only when the mtime of files/ changed (expunged.go).
// Moving an asset in is assets/'s rename (package assets, trash_in.go);
// what is trashed is kept in state.Trash, which assets/ hides.
//
// Locking: trashInfo.mu guards its temporary files; infoFile.mu what a
// temporary file became; state.Trash has its own lock. None is held while
// calling assets/.
package trash

import (
	"bytes"
	"context"
	"sync"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

// trashTop is MOUNT/.Trash-<uid>: files/ and info/.
type trashTop struct {
	gofs.Inode
	node.BigStatfs
	r *Trash
}

// trashFiles is files/ of the trash: the trashed assets.
type trashFiles struct {
	gofs.Inode
	node.BigStatfs
	r *Trash
}

// trashInfo is info/ of the trash: one <name>.trashinfo per item, and
// the temporary files GIO writes an info file through (written, then
// renamed over <name>.trashinfo), kept in memory.
type trashInfo struct {
	gofs.Inode
	node.BigStatfs
	r *Trash

	mu    sync.Mutex
	temps map[string][]byte // temporary file name -> content
}

// Assets is what the trash needs of assets/ (package assets implements
// it): its assets by id, their nodes, the delete, and its folders (where a
// trashed asset can be restored to).
type Assets interface {
	// Writable is 0, or EROFS on a read-only mount.
	Writable() syscall.Errno
	// Asset is the listed asset id, trashed or not (nil: none).
	Asset(ctx context.Context, id string) *api.Asset
	// AssetEntry is the node of asset a under parent, out filled.
	AssetEntry(ctx context.Context, parent *gofs.Inode, a *api.Asset, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno)
	// DeleteAsset deletes asset id (DELETE /assets/{id}); p names it in logs.
	DeleteAsset(ctx context.Context, p, id string) error
	// FolderOf is the folder path of a directory node of assets/.
	FolderOf(n gofs.InodeEmbedder) (string, bool)
}

// Trash is the mount's trash tree.
type Trash struct {
	*node.Mount
	trash *state.Trash
	a     Assets
	ex    expunging
	ch    changes
}

// New is the trash of m: st is what it holds (shared with assets/, which
// hides what st holds and moves assets into it), a is assets/.
func New(m *node.Mount, st *state.Trash, a Assets) *Trash {
	return &Trash{Mount: m, trash: st, a: a}
}

// Dir is the node of MOUNT/.Trash-<uid> (add it as a persistent
// directory) and its name at the root.
func (r *Trash) Dir() (gofs.InodeEmbedder, string) {
	return &trashTop{r: r}, view.TrashDirName(r.Cfg.UID)
}

// IsFiles reports whether n is files/ of a trash: a rename into it trashes
// an asset.
func IsFiles(n gofs.InodeEmbedder) bool {
	_, ok := n.(*trashFiles)
	return ok
}

// trashAttr fills the attributes of the trash's directories: private to
// their owner, as the specification asks.
func (r *Trash) trashAttr(a *fuse.Attr, ino uint64) {
	r.DirAttr(a, r.changedAt())
	a.Ino = ino
	a.Mode = syscall.S_IFDIR | 0o700
}

// OnAdd adds files/ and info/.
func (t *trashTop) OnAdd(ctx context.Context) {
	files := t.NewPersistentInode(ctx, &trashFiles{r: t.r}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: node.InoFor("trash:files")})
	t.AddChild(view.TrashFiles, files, false)
	info := t.NewPersistentInode(ctx, &trashInfo{r: t.r, temps: map[string][]byte{}}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: node.InoFor("trash:info")})
	t.AddChild(view.TrashInfo, info, false)
	ex := t.NewPersistentInode(ctx, &expungedDir{r: t.r}, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: node.InoFor("trash:expunged")})
	t.AddChild(expungedName, ex, false)
}

func (t *trashTop) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	t.r.trashAttr(&out.Attr, t.StableAttr().Ino)
	out.SetTimeout(0)
	return 0
}

// Mkdir of files/ or info/ (GIO makes them if missing): they exist.
func (t *trashTop) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if t.GetChild(name) != nil {
		return nil, syscall.EEXIST
	}
	return nil, syscall.EPERM
}

func (t *trashTop) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return node.ChildrenWithDots(t.EmbeddedInode()), 0
}

func (t *trashFiles) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	t.r.trashAttr(&out.Attr, t.StableAttr().Ino)
	out.SetTimeout(0)
	return 0
}

func (t *trashInfo) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	t.r.trashAttr(&out.Attr, t.StableAttr().Ino)
	out.SetTimeout(0)
	return 0
}

// trashedAsset is the asset of trash entry e (nil: gone from the listing).
func (r *Trash) trashedAsset(ctx context.Context, e state.TrashEntry) *api.Asset {
	if e.ID == "" {
		return nil
	}
	return r.a.Asset(ctx, e.ID)
}

// Lookup finds a trashed asset.
func (t *trashFiles) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	e, ok := t.r.trash.Get(name)
	if !ok || t.r.ex.has(name) {
		return nil, syscall.ENOENT
	}
	a := t.r.trashedAsset(ctx, e)
	if a == nil {
		return nil, syscall.ENOENT
	}
	return t.r.a.AssetEntry(ctx, &t.Inode, a, out)
}

// Readdir lists the trashed assets.
func (t *trashFiles) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	var es []fuse.DirEntry
	for _, e := range t.r.trash.List() {
		if e.ID != "" && !t.r.ex.has(e.Name) {
			es = append(es, fuse.DirEntry{Name: e.Name, Mode: syscall.S_IFREG, Ino: view.AssetIno(e.ID)})
		}
	}
	return node.WithDots(t.EmbeddedInode(), es), 0
}

// Unlink deletes a trashed asset on Krea (emptying the trash).
func (t *trashFiles) Unlink(ctx context.Context, name string) syscall.Errno {
	fields := logrus.Fields{"op": "unlink", "path": view.TrashDirName(t.r.Cfg.UID) + "/files/" + name}
	if errno := t.r.a.Writable(); errno != 0 {
		return errno
	}
	e, ok := t.r.trash.Get(name)
	if !ok || e.ID == "" || t.r.ex.has(name) {
		return syscall.ENOENT
	}
	if err := t.r.a.DeleteAsset(ctx, assetPath(e), e.ID); err != nil {
		return node.Fail(t.r.Log, fields, err)
	}
	if err := t.r.untrash(e); err != nil {
		return node.Fail(t.r.Log, fields, err)
	}
	t.r.Log.WithFields(fields).Info("trashed asset deleted")
	return 0
}

// untrash ends entry e's file in files/ (deleted or restored): the entry
// goes, unless its info file is still there.
func (r *Trash) untrash(e state.TrashEntry) error {
	if !e.HasInfo {
		return r.trash.Remove(e.Name)
	}
	e.ID = ""
	return r.trash.Put(e)
}

// Rename of a trashed asset back into assets/ restores it (no upload).
func (t *trashFiles) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if _, ok := newParent.(*expungedDir); ok {
		return t.r.expunge(name, newName)
	}
	dir, ok := t.r.a.FolderOf(newParent)
	if !ok {
		return syscall.EXDEV
	}
	fields := logrus.Fields{"op": "rename", "path": view.TrashDirName(t.r.Cfg.UID) + "/files/" + name, "to": "assets/" + view.JoinPath(dir, newName)}
	if errno := t.r.a.Writable(); errno != 0 {
		return errno
	}
	e, ok := t.r.trash.Get(name)
	if !ok || e.ID == "" || t.r.ex.has(name) {
		return syscall.ENOENT
	}
	if err := t.r.untrash(e); err != nil {
		return node.Fail(t.r.Log, fields, err)
	}
	t.r.Log.WithFields(fields).Info("trashed asset restored")
	return 0
}

// Lookup finds an info file.
func (t *trashInfo) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	t.mu.Lock()
	_, temp := t.temps[name]
	t.mu.Unlock()
	if temp {
		return t.tempEntry(ctx, name, out), 0
	}
	item, ok := view.ItemOfInfo(name)
	if !ok {
		return nil, syscall.ENOENT
	}
	e, ok := t.r.trash.Get(item)
	if !ok || !e.HasInfo {
		return nil, syscall.ENOENT
	}
	return t.infoEntry(ctx, item, e, out), 0
}

// tempEntry is the node of temporary file name of info/.
func (t *trashInfo) tempEntry(ctx context.Context, name string, out *fuse.EntryOut) *gofs.Inode {
	ino := node.InoFor("trashtemp:" + name)
	t.mu.Lock()
	size := len(t.temps[name])
	t.mu.Unlock()
	ch := t.NewInode(ctx, &infoFile{r: t.r, item: name, temp: t}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino})
	t.r.FileAttr(&out.Attr, ino, int64(size), t.r.Started)
	out.SetEntryTimeout(0)
	out.SetAttrTimeout(0)
	return ch
}

// Rename of a temporary file over <item>.trashinfo takes its content.
func (t *trashInfo) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if np, ok := newParent.(*trashInfo); !ok || np != t {
		return syscall.EXDEV
	}
	item, ok := view.ItemOfInfo(newName)
	t.mu.Lock()
	b, temp := t.temps[name]
	if temp && ok {
		delete(t.temps, name)
	}
	t.mu.Unlock()
	if !temp || !ok {
		return syscall.EINVAL
	}
	if errno := t.r.takeInfo(item, b); errno != 0 {
		return errno
	}
	// The kernel moves the temporary file's node to the new name: from
	// now on it is the info file.
	if ch := t.GetChild(name); ch != nil {
		if f, ok := ch.Operations().(*infoFile); ok {
			f.become(item)
		}
	}
	return 0
}

// takeInfo records the content b of info/<item>.trashinfo.
func (r *Trash) takeInfo(item string, b []byte) syscall.Errno {
	fields := logrus.Fields{"op": "write", "path": "info/" + view.InfoName(item)}
	p, deleted, err := view.ParseTrashInfo(b)
	if err != nil {
		r.Log.WithFields(fields).WithError(err).Warn("refused: not a trash info file")
		return syscall.EINVAL
	}
	e, _ := r.trash.Get(item)
	e.Name, e.HasInfo = item, true
	e.Path, e.Deleted = p, deleted
	return node.Fail(r.Log, fields, r.trash.Put(e))
}

func (t *trashInfo) infoEntry(ctx context.Context, item string, e state.TrashEntry, out *fuse.EntryOut) *gofs.Inode {
	ino := node.InoFor("trashinfo:" + item)
	ch := t.NewInode(ctx, &infoFile{r: t.r, item: item}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: ino})
	t.r.FileAttr(&out.Attr, ino, int64(len(view.FormatTrashInfo(e.Path, e.Deleted))), t.r.Started)
	out.SetEntryTimeout(0)
	out.SetAttrTimeout(0)
	return ch
}

// Readdir lists the info files.
func (t *trashInfo) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	var es []fuse.DirEntry
	for _, e := range t.r.trash.List() {
		if e.HasInfo {
			es = append(es, fuse.DirEntry{Name: view.InfoName(e.Name), Mode: syscall.S_IFREG, Ino: node.InoFor("trashinfo:" + e.Name)})
		}
	}
	return node.WithDots(t.EmbeddedInode(), es), 0
}

// Create makes an info file (GIO: O_CREAT|O_EXCL before it moves the
// file in); its content is taken at the last close.
func (t *trashInfo) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	if errno := t.r.a.Writable(); errno != 0 {
		return nil, nil, 0, errno
	}
	item, ok := view.ItemOfInfo(name)
	if !ok {
		if !view.UsableName(name) {
			return nil, nil, 0, syscall.EINVAL
		}
		t.mu.Lock()
		t.temps[name] = nil
		t.mu.Unlock()
		return t.tempEntry(ctx, name, out), &infoHandle{r: t.r, item: name, temp: t}, fuse.FOPEN_DIRECT_IO, 0
	}
	e, exists := t.r.trash.Get(item)
	if exists && e.HasInfo {
		return nil, nil, 0, syscall.EEXIST
	}
	e.Name, e.HasInfo = item, true
	if e.Path == "" {
		e.Path = "assets/" + item
	}
	if err := t.r.trash.Put(e); err != nil {
		return nil, nil, 0, node.Fail(t.r.Log, logrus.Fields{"op": "create", "path": "info/" + name}, err)
	}
	return t.infoEntry(ctx, item, e, out), &infoHandle{r: t.r, item: item}, fuse.FOPEN_DIRECT_IO, 0
}

// Unlink removes an info file; an item with neither file nor info is
// gone from the trash.
func (t *trashInfo) Unlink(ctx context.Context, name string) syscall.Errno {
	if errno := t.r.a.Writable(); errno != 0 {
		return errno
	}
	t.mu.Lock()
	_, temp := t.temps[name]
	delete(t.temps, name)
	t.mu.Unlock()
	if temp {
		return 0
	}
	item, ok := view.ItemOfInfo(name)
	if !ok {
		return syscall.ENOENT
	}
	e, ok := t.r.trash.Get(item)
	if !ok || !e.HasInfo {
		return syscall.ENOENT
	}
	var err error
	if e.ID == "" {
		err = t.r.trash.Remove(item)
	} else {
		e.HasInfo = false
		err = t.r.trash.Put(e)
	}
	return node.Fail(t.r.Log, logrus.Fields{"op": "unlink", "path": "info/" + name}, err)
}

// infoFile is info/<item>.trashinfo, or a temporary file of info/
// (temp set; item is then its name).
type infoFile struct {
	gofs.Inode
	r *Trash

	mu   sync.Mutex // guards item and temp (a temporary file renamed into place changes)
	item string
	temp *trashInfo
}

// become makes a temporary file the info file of item.
func (f *infoFile) become(item string) {
	f.mu.Lock()
	f.item, f.temp = item, nil
	f.mu.Unlock()
}

func (f *infoFile) target() (string, *trashInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.item, f.temp
}

func (f *infoFile) content() []byte {
	item, temp := f.target()
	if temp != nil {
		temp.mu.Lock()
		defer temp.mu.Unlock()
		return temp.temps[item]
	}
	e, ok := f.r.trash.Get(item)
	if !ok || !e.HasInfo {
		return nil
	}
	return view.FormatTrashInfo(e.Path, e.Deleted)
}

func (f *infoFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	ino := f.StableAttr().Ino
	f.r.FileAttr(&out.Attr, ino, int64(len(f.content())), f.r.Started)
	out.SetTimeout(0)
	return 0
}

func (f *infoFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	item, temp := f.target()
	return &infoHandle{r: f.r, item: item, temp: temp, read: !node.WantsWrite(flags)}, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr (a truncate before writing): accepted.
func (f *infoFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.Getattr(ctx, fh, out)
}

// infoHandle reads the info file, or collects what is written to it and
// takes it at flush (Path= and DeletionDate=, view.ParseTrashInfo).
type infoHandle struct {
	r    *Trash
	item string
	temp *trashInfo // a temporary file of info/
	read bool
	buf  bytes.Buffer
}

func (h *infoHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	b := (&infoFile{r: h.r, item: h.item, temp: h.temp}).content()
	if off >= int64(len(b)) {
		return fuse.ReadResultData(nil), 0
	}
	return fuse.ReadResultData(b[off:min(off+int64(len(dest)), int64(len(b)))]), 0
}

func (h *infoHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if off+int64(len(data)) > view.MaxTrashInfo {
		return 0, syscall.EFBIG
	}
	if int(off) != h.buf.Len() {
		return 0, syscall.EINVAL // info files are written in one go
	}
	h.buf.Write(data)
	return uint32(len(data)), 0
}

func (h *infoHandle) Flush(ctx context.Context) syscall.Errno {
	if h.read || h.buf.Len() == 0 {
		return 0
	}
	if h.temp != nil {
		h.temp.mu.Lock()
		if _, ok := h.temp.temps[h.item]; ok {
			h.temp.temps[h.item] = bytes.Clone(h.buf.Bytes())
		}
		h.temp.mu.Unlock()
		return 0
	}
	return h.r.takeInfo(h.item, h.buf.Bytes())
}

// Fsync takes what was written so far, as Flush does (GIO fsyncs an info
// file before it renames it into place).
func (h *infoHandle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return h.Flush(ctx)
}
