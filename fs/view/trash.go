package view

// The trash directory kreafs keeps at the top of a mount, in the layout of
// the freedesktop.org Trash specification (1.0): MOUNT/.Trash-<uid>/ (and
// MOUNT/.Trash/<uid>/) holding files/<NAME> (the trashed item) and
// info/<NAME>.trashinfo:
//
//	[Trash Info]
//	Path=assets/album/beach.png
//	DeletionDate=2026-12-05T06:19:37
//
// Path is percent-encoded (RFC 2396, '/' kept) and, for a trash at the top
// of a mount, relative to the mount; an absolute path under the mount is
// accepted too. DeletionDate is local time, YYYY-MM-DDThh:mm:ss.

import (
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Names inside a trash directory.
const (
	TrashFiles   = "files"
	TrashInfo    = "info"
	TrashInfoExt = ".trashinfo"
	// TrashShared is MOUNT/.Trash, the shared trash whose <uid>
	// subdirectory is a user's trash.
	TrashShared = ".Trash"
	// trashDateLayout is the DeletionDate format.
	trashDateLayout = "2006-01-02T15:04:05"
	// MaxTrashInfo bounds an info file kreafs accepts.
	MaxTrashInfo = 16 << 10
)

// TrashDirName is the per-user trash directory at the top of a mount.
func TrashDirName(uid uint32) string { return ".Trash-" + strconv.FormatUint(uint64(uid), 10) }

// InfoName is the name in info/ of the trashed item name.
func InfoName(name string) string { return name + TrashInfoExt }

// ItemOfInfo is the item an info/ name describes ("x.png.trashinfo" ->
// "x.png"); ok is false for any other name.
func ItemOfInfo(info string) (name string, ok bool) {
	name, ok = strings.CutSuffix(info, TrashInfoExt)
	return name, ok && UsableName(name)
}

// FormatTrashInfo is the content of an info file: rel is the item's path
// relative to the mount ("assets/album/beach.png"), deleted its
// DeletionDate as written (FormatDeletionDate).
func FormatTrashInfo(rel, deleted string) []byte {
	return []byte("[Trash Info]\nPath=" + escapeTrashPath(rel) + "\nDeletionDate=" + deleted + "\n")
}

// FormatDeletionDate is t as a DeletionDate (local time, no zone).
func FormatDeletionDate(t time.Time) string { return t.Local().Format(trashDateLayout) }

// escapeTrashPath percent-encodes each segment of p, keeping '/'.
func escapeTrashPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// Errors of ParseTrashInfo.
var (
	ErrTrashInfo     = errors.New("not a trash info file: no [Trash Info] group")
	ErrTrashInfoPath = errors.New("trash info: no usable Path=")
)

// ParseTrashInfo reads an info file: the item's Path (decoded, as
// written: relative, or absolute) and its DeletionDate (as written; ""
// when missing). Lines of other groups and unknown keys are ignored, as
// the specification allows.
func ParseTrashInfo(b []byte) (path, deleted string, err error) {
	if len(b) > MaxTrashInfo {
		return "", "", ErrTrashInfo
	}
	group, seen := "", false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "[") {
			group = line
			seen = seen || line == "[Trash Info]"
			continue
		}
		if group != "[Trash Info]" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Path":
			if path == "" {
				if p, err := url.PathUnescape(strings.TrimSpace(v)); err == nil {
					path = p
				}
			}
		case "DeletionDate":
			if deleted == "" {
				deleted = strings.TrimSpace(v)
			}
		}
	}
	if !seen {
		return "", "", ErrTrashInfo
	}
	if path == "" {
		return "", "", ErrTrashInfoPath
	}
	return path, deleted, nil
}

// AssetPathOfTrash is the path under assets/ an info file's Path names:
// relative ("assets/album/x.png") or absolute under mountpoint
// ("/mnt/k/assets/album/x.png"). ok is false for a path outside assets/
// or one that is not a usable path.
func AssetPathOfTrash(p, mountpoint string) (string, bool) {
	if strings.HasPrefix(p, "/") {
		mp := strings.TrimSuffix(mountpoint, "/")
		rest, ok := strings.CutPrefix(p, mp+"/")
		if mountpoint == "" || !ok {
			return "", false
		}
		p = rest
	}
	rest, ok := strings.CutPrefix(p, "assets/")
	dir, name := SplitParent(rest)
	if !ok || !UsableName(name) || dir != "" && !FolderPath(dir) {
		return "", false
	}
	return rest, true
}

// FreeTrashName is name, or "<stem>.<n><.ext>" (n = 2, 3, ...) when taken
// reports it in use: the name an item moved into the trash under a name
// already there gets.
func FreeTrashName(name string, taken func(string) bool) string {
	if !taken(name) {
		return name
	}
	stem, ext := splitExt(name)
	for n := 2; ; n++ {
		c := stem + "." + strconv.Itoa(n) + ext
		if len(c) > MaxNameLen {
			c = HashTag(name) + "." + strconv.Itoa(n) + ext
		}
		if !taken(c) {
			return c
		}
	}
}

// TrashedEntry is one name inside a trashed folder.
type TrashedEntry struct {
	Name string
	ID   string // the asset; "" for a folder
}

// TrashedDir lists folder dir ("" its top) of a trashed folder whose
// assets are files (path inside it -> asset id): its folders and files,
// sorted by name. ok is false when dir is not a folder of it.
func TrashedDir(files map[string]string, dir string) (entries []TrashedEntry, ok bool) {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	seen := map[string]bool{}
	for p, id := range files {
		rest, in := strings.CutPrefix(p, prefix)
		if !in || rest == "" {
			continue
		}
		ok = true
		name, _, deeper := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		e := TrashedEntry{Name: name}
		if !deeper {
			e.ID = id
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return entries, ok || dir == ""
}
