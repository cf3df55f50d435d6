package view

// Pure: telling a file name someone gave from prose, and reading the
// original file name out of a hosted URL. No locks, no I/O.
//
// kreafs sends a file's name as the upload's description (and as the
// multipart file name). Krea's web app may put prose there. The
// description alone decides which it is (docs/semantics.md, "File
// names"): a name someone gave is shown exactly as given; prose gets the
// extension its type implies.

import (
	"strings"
	"unicode"

	"github.com/kreafs/kreafs/cache/upload/dedupe"
)

// fileLike reports whether a (usable) description reads as a file name
// rather than prose: it has no whitespace at all ("IMG_0001",
// "movie.m4v", "scan.jpeg.bak"), or it ends in an extension holding at
// least one letter ("my holiday.jpeg.bak", "notes v2.txt"). Prose has
// words and, at most, an extension of digits ("Krea 1.5", "a cat on a
// mat", "sample 0002").
func fileLike(d string) bool {
	if !strings.ContainsFunc(d, unicode.IsSpace) {
		return true
	}
	ext := extOf(d)
	return ext != "" && strings.ContainsFunc(ext, func(r rune) bool { return r >= 'a' && r <= 'z' })
}

// hostedName is the original file name in a hosted URL of the shape
// Krea's examples show, ".../<uuid>/<unix ms>-<name>"
// (dedupe.HostedName), when that name is usable; else "".
func hostedName(u string) string {
	if n := dedupe.HostedName(u); UsableName(n) {
		return n
	}
	return ""
}
