package view

// Pure name mapping for assets/: which file name each asset gets.
// No locks, no I/O; everything here is a function of its arguments.
// docs/semantics.md ("File names") states the same rules for users, and
// names_test.go checks them rule by rule.

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kreafs/kreafs/api"
)

// MaxNameLen is the longest file name Linux accepts (NAME_MAX), in bytes.
const MaxNameLen = 255

// Names the mount itself uses inside assets/ (and the root); no asset is
// ever shown under them.
const (
	ByIDName      = ".by-id"
	reservedPrefx = ".kreafs"
)

// maxExtLen is the longest tail after the last dot that still counts as a
// file extension ("photo.jpeg" has one, "v1.0 final draft" does not).
const maxExtLen = 10

// UsableName reports whether s can be shown as one file name as it is:
// one path element, not "." or "..", no NUL or '/', valid UTF-8, no control
// or bidirectional-override characters, at most MaxNameLen bytes, and not a
// name the mount reserves.
func UsableName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > MaxNameLen {
		return false
	}
	if reservedName(s) {
		return false
	}
	// ASCII (almost every name) needs one pass over the bytes: valid
	// UTF-8, and the only bad runes are the C0 controls and DEL.
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c < 0x20 || c == 0x7f || c == '/' {
			return false
		}
	}
	if ascii {
		return true
	}
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '/' || badRune(r) {
			return false
		}
	}
	return true
}

// reservedName reports names the mount keeps for itself: ".by-id" and
// anything starting with ".kreafs".
func reservedName(s string) bool {
	return s == ByIDName || strings.HasPrefix(s, reservedPrefx)
}

// badRune reports characters that break terminals, listings or scripts:
// C0 and C1 controls (including NUL, newline, tab, DEL) and the
// bidirectional formatting characters that make a name display as a
// different one (U+200E/F, U+202A-U+202E, U+2066-U+2069), and U+FFFD
// (which a decoder produces for invalid bytes; a real name never needs it).
func badRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == utf8.RuneError:
		return true
	}
	return false
}

// extOf returns the lowercased extension of name (without the dot), or ""
// when it has none. An extension is 1 to maxExtLen ASCII letters or digits
// after the last dot, and the dot is not the name's first byte (".bashrc"
// has no extension).
func extOf(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 || len(name)-i-1 > maxExtLen {
		return ""
	}
	ext := name[i+1:]
	for j := 0; j < len(ext); j++ {
		c := ext[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return strings.ToLower(ext)
}

// splitExt splits a file name into stem and ".ext" ("" when none).
func splitExt(name string) (stem, dotExt string) {
	if extOf(name) == "" {
		return name, ""
	}
	i := strings.LastIndexByte(name, '.')
	return name[:i], name[i:]
}

// keepsExt reports whether a name whose extension is ext needs no added
// extension for an asset whose MIME type implies the extension implied:
// any media extension kreafs shows (png, jpg/jpeg, webp, heic/heif, mp4,
// mov, webm, glb, wav, mp3) is kept even when it disagrees with the MIME
// type, so that a file copied in as "clip.mov" keeps that name; and when the
// MIME type is unknown (implied "bin"), any extension is kept.
func keepsExt(ext, implied string) bool {
	if ext == "" {
		return false
	}
	return ext == implied || implied == "bin" || ext == "heif" || api.AcceptedExt(ext)
}

// preferredName is the name an asset asks for before duplicates are
// resolved, with no name kept on this machine: WantedName(a, "").
func preferredName(a *api.Asset) string { return WantedName(a, "") }

// WantedName is the name an asset asks for before duplicates are
// resolved (rule 1 of AssetNames), in this order:
//
//   - kept: the name the asset was uploaded under from this cache
//     directory (keptNames), when usable;
//   - its description verbatim, when usable and it reads as a file name
//     (fileLike) or equals the original name in its hosted URL;
//   - a prose description plus the implied extension when it has none
//     that fits (keepsExt), when usable;
//   - the original name in its hosted URL (hostedName);
//   - "<id>.<ext>".
func WantedName(a *api.Asset, kept string) string {
	if kept != "" && UsableName(kept) {
		return kept
	}
	implied := api.ExtForMIME(a.MIME())
	hosted, hostedDone := "", false
	if d := a.Description; d != "" && UsableName(d) {
		if fileLike(d) {
			return d
		}
		hosted, hostedDone = hostedName(a.ImageURL), true
		if hosted == d {
			return d
		}
		name := d
		if !keepsExt(extOf(d), implied) {
			name = d + "." + implied
		}
		if UsableName(name) {
			return name
		}
	}
	if !hostedDone {
		hosted = hostedName(a.ImageURL)
	}
	if hosted != "" {
		return hosted
	}
	return idName(a.ID, implied)
}

// idName is "<id>.<ext>", or, for an id that is not itself a usable file
// name (the API never sends one, but a name must not depend on that),
// "id-<16 hex digits of sha256(id)>.<ext>".
func idName(id, ext string) string {
	if n := id + "." + ext; UsableName(n) && UsableName(id) {
		return n
	}
	return "id-" + HashTag(id) + "." + ext
}

// HashTag is 16 hex digits of sha256(s).
func HashTag(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// ByIDEntry is the name of an asset inside .by-id/: the bare id, or ""
// when the id is not a usable file name (then it has no .by-id entry).
func ByIDEntry(id string) string {
	if !UsableName(id) {
		return ""
	}
	return id
}

// withSuffix inserts " (<tag>)" before name's extension:
// "photo.png" -> "photo (1a2b3c4d).png". It returns "" when the result
// would be longer than MaxNameLen.
func withSuffix(name, tag string) string {
	stem, ext := splitExt(name)
	n := stem + " (" + tag + ")" + ext
	if len(n) > MaxNameLen {
		return ""
	}
	return n
}

// shortID is the first 8 bytes of id (all of it when shorter), the tag
// that tells apart assets wanting the same name.
func shortID(id string) string {
	if len(id) <= 8 {
		return id
	}
	// Cut on a rune boundary so the tag stays valid UTF-8.
	n := 8
	for n > 0 && !utf8.RuneStart(id[n]) {
		n--
	}
	return id[:n]
}

// AssetNames gives every asset of a listing its file name in assets/.
// The result maps index in assets to name; names are unique, usable file
// names. Rules (stated for users in docs/semantics.md, "File names"):
//
//  1. Each asset wants WantedName: the name it was uploaded under from
//     this cache directory; else its description as it is when that reads
//     as a file name (no whitespace, or an extension with a letter) or
//     equals the original name in its hosted URL; else a prose
//     description with ".<ext>" from its MIME type appended when it has no
//     media extension (any extension when the type is unknown); else the
//     original name in its hosted URL; else "<id>.<ext>".
//  2. Among assets wanting the same name, the oldest (uploaded_at, then id)
//     keeps it; each other one is "<stem> (<first 8 chars of id>)<.ext>",
//     or "<id>.<ext>" if that would be too long.
//  3. Any name still claimed twice (a description that equals another
//     asset's generated name, ids sharing 8 chars): the asset whose name is
//     its own plain wish (rule 1, kept in rule 2) wins, else the oldest;
//     the others get "<id>.<ext>", then "<id> (2).<ext>", "<id> (3).<ext>"...
//     whichever is free.
//
// A name depends only on the assets wanting the same names, never on
// unrelated assets coming and going, and not on the order of the input.
// Assets with the same id (which the API does not send) are all named.
func AssetNames(assets []api.Asset) []string { return assetNames(assets, nil) }

// assetNames is AssetNames with the names kept on this machine: kept(id)
// is the name asset id was uploaded under, or "" (kept may be nil).
func assetNames(assets []api.Asset, kept func(id string) string) []string {
	names := make([]string, len(assets))
	wants := make([]string, len(assets))
	idx := make([]int, len(assets))
	for i := range assets {
		k := ""
		if kept != nil {
			k = kept(assets[i].ID)
		}
		wants[i] = WantedName(&assets[i], k)
		idx[i] = i
	}
	nameGroup(assets, idx, wants, nil, names, make([]bool, len(assets)))
	return names
}

// nameGroup applies rules 2 and 3 of AssetNames to the assets idx (of
// assets) that share one directory, wants[i] being what asset i asks for.
// No asset gets a name in reserved (the directory's folders: a folder
// wins its name over a file, which then is named as a duplicate). It
// writes names[i] for each i in idx and reorders idx; plain is scratch
// space as long as assets, all false on entry.
func nameGroup(assets []api.Asset, idx []int, wants []string, reserved map[string]bool, names []string, plain []bool) {
	order := idx
	// Oldest first (then id, then input index as a last resort for
	// identical entries), which makes every pass below deterministic. The
	// index makes every key distinct, so an unstable sort gives the stable
	// order; pdqsort also turns the API's newest-first listing around in
	// one pass, where a stable sort was a fifth of the cost of naming.
	slices.SortFunc(order, func(x, y int) int {
		a, b := &assets[x], &assets[y]
		if c := a.UploadedAt.Compare(b.UploadedAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})

	// Rule 2: the oldest wanting a name keeps it.
	suffixed := false
	taken := make(map[string]bool, len(order)+len(reserved))
	for r := range reserved {
		taken[r] = true
	}
	for _, i := range order {
		w := wants[i]
		if !taken[w] {
			taken[w] = true
			names[i], plain[i] = w, true
			continue
		}
		suffixed = true
		if n := withSuffix(w, shortID(assets[i].ID)); n != "" && UsableName(n) {
			names[i] = n
		} else {
			names[i] = idName(assets[i].ID, api.ExtForMIME(assets[i].MIME()))
		}
	}

	// Rule 3: settle names still claimed more than once. Without a
	// suffixed name (no duplicates, the usual case) every name is a
	// distinct plain wish already.
	if !suffixed {
		return
	}
	owner := make(map[string]int, len(order)+len(reserved))
	for r := range reserved {
		owner[r] = -1
	}
	var losers []int
	for _, i := range order { // plain names claim first
		if plain[i] {
			owner[names[i]] = i
		}
	}
	for _, i := range order {
		if plain[i] {
			continue
		}
		if _, ok := owner[names[i]]; ok {
			losers = append(losers, i)
			continue
		}
		owner[names[i]] = i
	}
	for _, i := range losers {
		ext := api.ExtForMIME(assets[i].MIME())
		base := idName(assets[i].ID, ext)
		n := base
		for k := 2; ; k++ {
			if _, ok := owner[n]; !ok {
				break
			}
			n = withSuffix(base, strconv.Itoa(k))
			if n == "" { // base is a near-255-byte id: use its hashed form
				n = withSuffix(idName("", ext), HashTag(assets[i].ID)+" "+strconv.Itoa(k))
			}
		}
		names[i] = n
		owner[n] = i
	}
}

// Bounds of an id's length (IDLike).
const (
	minIDLen = 8
	maxIDLen = 128
)

// IDLike reports whether s could be an id the API hands out, so that
// lookups of names such as ".directory", "desktop.ini" or "HEAD" (which
// file managers and shells probe constantly) cost no request. Krea's ids
// are UUIDs in the spec ("format": "uuid" for job_id) and in every
// example; to stay tolerant of other schemes (nanoid, ULID, hex) any 8 to
// 128 ASCII letters, digits, '-' and '_' pass. docs/semantics.md, "Names
// that cannot be ids", says the same.
func IDLike(s string) bool {
	if len(s) < minIDLen || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
