package fs

// "." and "..": go-fuse lists only what a directory's Readdir returns, and
// `ls -a`, shells' globbing of .* and some file managers expect both
// entries first in every directory. Each Readdir here lists through
// withDots; assets/ (its own directory handle) through dotEntries.

import (
	"context"
	"sort"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// dotEntries are "." (n itself) and ".." (its parent; the root's is
// itself), with their inode numbers.
func dotEntries(n *gofs.Inode) [2]fuse.DirEntry {
	self := n.StableAttr().Ino
	parent := self
	if _, p := n.Parent(); p != nil {
		parent = p.StableAttr().Ino
	}
	return [2]fuse.DirEntry{
		{Name: ".", Mode: syscall.S_IFDIR, Ino: self},
		{Name: "..", Mode: syscall.S_IFDIR, Ino: parent},
	}
}

// withDots lists "." and ".." of n, then entries.
func withDots(n *gofs.Inode, entries []fuse.DirEntry) gofs.DirStream {
	dots := dotEntries(n)
	out := make([]fuse.DirEntry, 0, len(entries)+2)
	out = append(out, dots[:]...)
	return gofs.NewListDirStream(append(out, entries...))
}

// childrenWithDots lists a directory of fixed children (the root,
// .kreafs) by name.
func childrenWithDots(n *gofs.Inode) gofs.DirStream {
	kids := n.Children()
	entries := make([]fuse.DirEntry, 0, len(kids))
	for name, ch := range kids {
		entries = append(entries, fuse.DirEntry{Name: name, Mode: ch.Mode(), Ino: ch.StableAttr().Ino})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return withDots(n, entries)
}

// Readdir lists the root: assets, jobs, styles and .kreafs.
func (r *Root) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return childrenWithDots(r.EmbeddedInode()), 0
}

// Readdir lists .kreafs.
func (s *statusDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	return childrenWithDots(s.EmbeddedInode()), 0
}

var (
	_ = (gofs.NodeReaddirer)((*Root)(nil))
	_ = (gofs.NodeReaddirer)((*statusDir)(nil))
)

// idEntries lists ids (sorted) as a .by-id directory does: entries of the
// given mode, numbered by ino.
func idEntries(ids []string, mode uint32, ino func(id string) uint64) []fuse.DirEntry {
	entries := make([]fuse.DirEntry, len(ids))
	for i, id := range ids {
		entries[i] = fuse.DirEntry{Name: id, Mode: mode, Ino: ino(id)}
	}
	return entries
}

// byIDAttr reports a .by-id directory itself (assets/ and styles/ have
// one): it never changes.
func (r *Root) byIDAttr(out *fuse.AttrOut) {
	r.dirAttr(&out.Attr, r.started)
	out.SetTimeout(r.cfg.DirCacheTTL)
}
