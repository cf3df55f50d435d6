package view

// What mkdir, rmdir and rename of a folder in assets/ answer, decided from
// the table assets/ shows (with its local folders). The fs adapters ask
// these and act; the answers are errnos a shell shows well.

import (
	"strings"
	"syscall"
)

// MkdirErr is mkdir of folder p (a path under assets/) in t: 0, or EEXIST
// (a folder or a file is there; exists reports a queued file's path),
// ENOENT (its parent is no folder), EINVAL (a segment is not a usable
// name, or starts or ends with whitespace: FolderPath), ENAMETOOLONG,
// EPERM for a trash directory (".Trash", ".Trash-<uid>": a file manager
// looking for a trash; the mount keeps its trash at its top).
func (t *AssetTable) MkdirErr(p string, exists func(path string) bool) syscall.Errno {
	_, name := SplitParent(p)
	if len(name) > MaxNameLen || len(p) > MaxPathLen {
		return syscall.ENAMETOOLONG
	}
	if name == TrashShared || strings.HasPrefix(name, TrashShared+"-") {
		return syscall.EPERM
	}
	if !FolderPath(p) {
		return syscall.EINVAL
	}
	if t.IsFolder(p) || t.ByName.At(p) != nil || exists != nil && exists(p) {
		return syscall.EEXIST
	}
	if parent, _ := SplitParent(p); !t.IsFolder(parent) {
		return syscall.ENOENT
	}
	return 0
}

// RmdirErr is rmdir of p in t: 0, or ENOENT (no such folder), ENOTDIR (a
// file), ENOTEMPTY (it holds an asset, a folder, or a queued file:
// queuedIn reports whether a queued file's path lies in p).
func (t *AssetTable) RmdirErr(p string, queuedIn func(dir string) bool) syscall.Errno {
	switch {
	case t.ByName.At(p) != nil:
		return syscall.ENOTDIR
	case !t.IsFolder(p) || p == "":
		return syscall.ENOENT
	case !t.FolderEmpty(p), queuedIn != nil && queuedIn(p):
		return syscall.ENOTEMPTY
	}
	return 0
}

// RenameFolderErr is rename of folder from to to in t: 0 when the folder
// holds no asset (only local folders move, at once), else EXDEV: Krea
// cannot rename, so mv and file managers copy and delete on their own.
// EINVAL for a move into itself, and what MkdirErr says of to otherwise.
func (t *AssetTable) RenameFolderErr(from, to string, exists func(path string) bool) syscall.Errno {
	if to == from || strings.HasPrefix(to, from+"/") {
		return syscall.EINVAL
	}
	if len(t.Under(from)) > 0 {
		return syscall.EXDEV
	}
	return t.MkdirErr(to, exists)
}

// MoveFolders is the local folders after folder from moved to to: from
// and every folder under it take the new prefix; to's parents need no
// record (a record implies its parents).
func MoveFolders(folders []string, from, to string) []string {
	out := make([]string, 0, len(folders)+1)
	moved := false
	for _, f := range folders {
		switch {
		case f == from:
			out, moved = append(out, to), true
		case strings.HasPrefix(f, from+"/"):
			out, moved = append(out, to+f[len(from):]), true
		default:
			out = append(out, f)
		}
	}
	if !moved { // the folder was implied by its subfolders only
		out = append(out, to)
	}
	return out
}
