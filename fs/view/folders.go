package view

// Folders in assets/. An asset whose description (or kept name) is a path
// such as "album/2024/beach.png" shows at assets/album/2024/beach.png, as
// object-store mounts (gcsfuse, mountpoint-s3) show key prefixes as
// directories. A folder exists while an asset lies under it, or while it
// is a local folder (made by mkdir on this machine, kept by the mount).
//
// Rules (docs/semantics.md, "Folders"):
//   - A description is a path when SplitPath accepts it: two or more
//     segments separated by single '/', each a usable name (UsableName)
//     that neither starts nor ends with whitespace, at most MaxDepth
//     segments and MaxPathLen bytes. Anything else ("a/b/", "/x",
//     "sunset / dusk", "a//b", "../x") stays one flat name, by the rules
//     of WantedName (which show it as its hosted name or "<id>.<ext>").
//   - The last segment is named as a flat description is (a prose leaf
//     gets its type's extension); duplicates are resolved per folder.
//   - A folder and a file wanting the same name in one folder: the folder
//     keeps the name and the file is shown as a duplicate,
//     "<stem> (<first 8 chars of id>)<.ext>", so both stay reachable.
//     (gcsfuse shows the file as "name\n"; mountpoint-s3 hides it.)

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kreafs/kreafs/api"
)

// Bounds of a path-like description.
const (
	MaxDepth   = 32   // segments, the file's own name included
	MaxPathLen = 4095 // bytes: PATH_MAX less the terminating NUL
)

// SplitPath splits a description that is a folder path ("album/beach.png")
// into its segments. ok is false for anything that must stay one flat
// name: fewer than two segments, an empty segment (leading, trailing or
// doubled '/'), a segment that is not a usable name or that starts or ends
// with whitespace, more than MaxDepth segments or more than MaxPathLen
// bytes.
func SplitPath(s string) (segs []string, ok bool) {
	if !strings.Contains(s, "/") {
		return nil, false
	}
	return splitSegments(s)
}

// FolderPath reports whether s is a usable folder path relative to
// assets/ (one or more segments by the rules of SplitPath), as mkdir makes.
func FolderPath(s string) bool {
	_, ok := splitSegments(s)
	return ok
}

func splitSegments(s string) ([]string, bool) {
	if s == "" || len(s) > MaxPathLen || strings.Count(s, "/") >= MaxDepth {
		return nil, false
	}
	segs := strings.Split(s, "/")
	for _, g := range segs {
		if !UsableName(g) || edgeSpace(g) {
			return nil, false
		}
	}
	return segs, true
}

// edgeSpace reports whether s starts or ends with whitespace: prose such
// as "sunset / dusk" is not a path.
func edgeSpace(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(first) || unicode.IsSpace(last)
}

// JoinPath is dir/name, or name when dir is "" (assets/ itself).
func JoinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// SplitParent splits a path into its folder ("" for assets/) and its last
// segment.
func SplitParent(p string) (dir, name string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// WantedPath is the folder ("" for assets/ itself) and the name in it that
// an asset asks for before duplicates are resolved: the kept name (a path
// or a flat name) verbatim when usable; else a description that is a path,
// its last segment named by WantedName's rules; else WantedName.
func WantedPath(a *api.Asset, kept string) (dir, name string) {
	if kept != "" {
		if segs, ok := SplitPath(kept); ok {
			return strings.Join(segs[:len(segs)-1], "/"), segs[len(segs)-1]
		}
		if UsableName(kept) {
			return "", kept
		}
	}
	if segs, ok := SplitPath(a.Description); ok {
		leaf := *a
		leaf.Description = segs[len(segs)-1]
		return strings.Join(segs[:len(segs)-1], "/"), WantedName(&leaf, "")
	}
	return "", WantedName(a, "")
}

// dirIndex is what one folder of assets/ holds.
type dirIndex struct {
	files *lazySorted // asset paths in the folder, sorted
	dirs  []string    // names of its folders, sorted
}

// assetPaths names every asset of a listing by its path under assets/
// (folder/name, or name in assets/ itself), with the local folders
// (paths; unusable ones are ignored) besides those the assets imply, and
// indexes the folders by path ("" is assets/).
func assetPaths(assets []api.Asset, kept func(id string) string, local []string) ([]string, map[string]*dirIndex) {
	names := make([]string, len(assets))
	wants := make([]string, len(assets))
	groups := map[string][]int{}
	for i := range assets {
		k := ""
		if kept != nil {
			k = kept(assets[i].ID)
		}
		d, n := WantedPath(&assets[i], k)
		wants[i] = n
		groups[d] = append(groups[d], i)
	}
	dirs := map[string]*dirIndex{"": {}}
	children := map[string]map[string]bool{}
	var addDir func(p string)
	addDir = func(p string) {
		if _, ok := dirs[p]; ok {
			return
		}
		dirs[p] = &dirIndex{}
		parent, name := SplitParent(p)
		addDir(parent)
		if children[parent] == nil {
			children[parent] = map[string]bool{}
		}
		children[parent][name] = true
	}
	for d := range groups {
		addDir(d)
	}
	for _, p := range local {
		if FolderPath(p) {
			addDir(p)
		}
	}
	plain := make([]bool, len(assets))
	for d, idx := range groups {
		nameGroup(assets, idx, wants, children[d], names, plain)
		files := make([]string, 0, len(idx))
		for _, i := range idx {
			names[i] = JoinPath(d, names[i])
			files = append(files, names[i])
		}
		sort.Strings(files)
		dirs[d].files = sortedOf(files)
	}
	for d, kids := range children {
		di := dirs[d]
		for k := range kids {
			di.dirs = append(di.dirs, k)
		}
		sort.Strings(di.dirs)
	}
	return names, dirs
}

// FolderIno is the inode number of a folder of assets/, by path.
func FolderIno(p string) uint64 { return Ino("folder:" + p) }

// HoldPath is HoldName of a path's last segment: a temporary or junk file
// in a folder ("album/.beach.png.swp") is held as it is in assets/.
func HoldPath(p string) bool {
	_, name := SplitParent(p)
	return HoldName(name)
}

// UsablePath reports whether p can name a file of assets/: a usable name,
// in assets/ itself or in a folder path (FolderPath).
func UsablePath(p string) bool {
	dir, name := SplitParent(p)
	return UsableName(name) && (dir == "" || FolderPath(dir))
}

// ClassifyPath is ClassifyName of a path's last segment.
func ClassifyPath(p string) NameKind {
	_, name := SplitParent(p)
	return ClassifyName(name)
}
