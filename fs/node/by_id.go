package node

// The hidden .by-id directories (assets/.by-id, styles/.by-id): every
// object under its bare id. They are fixed children of their listed
// directory and never change themselves.

import (
	"context"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/kreafs/kreafs/fs/view"
)

// AddByID adds the .by-id directory n under dir, the directory at path
// from the root ("assets", "styles"); call it from dir's OnAdd.
func AddByID(ctx context.Context, dir *gofs.Inode, path string, n gofs.InodeEmbedder) {
	ch := dir.NewPersistentInode(ctx, n, gofs.StableAttr{Mode: syscall.S_IFDIR, Ino: DirIno(path + "/" + view.ByIDName)})
	dir.AddChild(view.ByIDName, ch, false)
}

// LookupByID answers a lookup of .by-id in dir: the kernel may keep the
// entry for entryTTL (it never goes away).
func (m *Mount) LookupByID(dir *gofs.Inode, entryTTL time.Duration, out *fuse.EntryOut) *gofs.Inode {
	ch := dir.GetChild(view.ByIDName)
	m.DirAttr(&out.Attr, m.Started)
	out.SetEntryTimeout(entryTTL)
	out.SetAttrTimeout(m.Cfg.DirCacheTTL)
	return ch
}

// IDEntries lists ids (sorted) as a .by-id directory does: entries of the
// given mode, numbered by ino.
func IDEntries(ids []string, mode uint32, ino func(id string) uint64) []fuse.DirEntry {
	entries := make([]fuse.DirEntry, len(ids))
	for i, id := range ids {
		entries[i] = fuse.DirEntry{Name: id, Mode: mode, Ino: ino(id)}
	}
	return entries
}

// ByIDAttr reports a .by-id directory itself (assets/ and styles/ have
// one): it never changes.
func (m *Mount) ByIDAttr(out *fuse.AttrOut) {
	m.DirAttr(&out.Attr, m.Started)
	out.SetTimeout(m.Cfg.DirCacheTTL)
}
