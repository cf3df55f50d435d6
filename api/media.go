package api

import (
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// MaxUploadBytes is Krea's upload limit (75 MB, decimal, as the spec says "75MB").
const MaxUploadBytes = 75 * 1000 * 1000

// SniffLen is how many leading bytes Sniff wants to see.
const SniffLen = 3072

// media maps each MIME type Krea accepts for upload to the extension kreafs
// shows for it.
var media = map[string]string{
	"image/jpeg":        "jpg",
	"image/png":         "png",
	"image/webp":        "webp",
	"image/heic":        "heic",
	"image/heif":        "heic",
	"video/mp4":         "mp4",
	"video/quicktime":   "mov",
	"video/webm":        "webm",
	"model/gltf-binary": "glb",
	"audio/wav":         "wav",
	"audio/mpeg":        "mp3",
}

// aliases folds MIME spellings that mean an accepted type.
var aliases = map[string]string{
	"image/jpg":           "image/jpeg",
	"image/heic-sequence": "image/heic",
	"image/heif-sequence": "image/heic",
	"audio/x-wav":         "audio/wav",
	"audio/wave":          "audio/wav",
	"audio/vnd.wave":      "audio/wav",
	"audio/mp3":           "audio/mpeg",
}

// SniffMedia judges a file by its first bytes (at least SniffLen of them
// when the file is that long). It returns the canonical MIME type and true
// when Krea accepts that type for upload, else the detected type and false.
func SniffMedia(head []byte) (mime string, accepted bool) {
	m := mimetype.Detect(head)
	for ; m != nil; m = m.Parent() {
		t := canonicalMIME(m.String())
		if _, ok := media[t]; ok {
			return t, true
		}
	}
	return mimetype.Detect(head).String(), false
}

// ExtForMIME returns the file extension (without dot) for an accepted MIME
// type, or "bin" for anything else.
func ExtForMIME(mime string) string {
	if ext, ok := media[canonicalMIME(mime)]; ok {
		return ext
	}
	return "bin"
}

// AcceptedExt reports whether ext (without dot, any case) is one kreafs
// shows for an accepted type ("jpeg" counts as jpg).
func AcceptedExt(ext string) bool {
	ext = strings.ToLower(ext)
	if ext == "jpeg" {
		return true
	}
	for _, e := range media {
		if e == ext {
			return true
		}
	}
	return false
}

func canonicalMIME(m string) string {
	m = strings.ToLower(strings.TrimSpace(m))
	if i := strings.IndexByte(m, ';'); i >= 0 {
		m = strings.TrimSpace(m[:i])
	}
	if a, ok := aliases[m]; ok {
		return a
	}
	return m
}
