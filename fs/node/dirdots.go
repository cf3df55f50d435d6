package node

// "." and "..": go-fuse lists only what a directory's Readdir returns, and
// `ls -a`, shells' globbing of .* and some file managers expect both
// entries first in every directory. Each Readdir here lists through
// WithDots; assets/ (its own directory handle) through DotEntries.

import (
	"sort"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// DotEntries are "." (n itself) and ".." (its parent; the root's is
// itself), with their inode numbers.
func DotEntries(n *gofs.Inode) [2]fuse.DirEntry {
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

// WithDots lists "." and ".." of n, then entries.
func WithDots(n *gofs.Inode, entries []fuse.DirEntry) gofs.DirStream {
	dots := DotEntries(n)
	out := make([]fuse.DirEntry, 0, len(entries)+2)
	out = append(out, dots[:]...)
	return gofs.NewListDirStream(append(out, entries...))
}

// ChildrenWithDots lists a directory of fixed children (the root,
// .kreafs) by name.
func ChildrenWithDots(n *gofs.Inode) gofs.DirStream {
	kids := n.Children()
	entries := make([]fuse.DirEntry, 0, len(kids))
	for name, ch := range kids {
		entries = append(entries, fuse.DirEntry{Name: name, Mode: ch.Mode(), Ino: ch.StableAttr().Ino})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return WithDots(n, entries)
}
