package view

// Pure helpers for jobs/ and styles/: what the small generated files
// contain and how result and preview files are named. No locks, no I/O.

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kreafs/kreafs/api"
)

// Names of the fixed entries of a job and a style directory.
const (
	JobJSONName   = "job.json"
	JobStatusName = "status"
	JobStyleName  = "style"
	StyleJSONName = "style.json"
)

// URLExt is the extension (lowercased, without the dot) of the last
// element of u's path, or "" when it has none or u does not parse.
// "https://h/x/img.PNG?sig=1" -> "png". The same rules as file names
// apply (extOf): 1 to 10 ASCII letters or digits after the last dot.
func URLExt(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return extOf(path.Base(p.Path))
}

// MediaExt chooses the extension of a downloaded file (a job result, a
// style cover or preview): the URL's own extension when it has one, else
// the one Content-Type implies (contentType may be "" when not known),
// else "bin".
func MediaExt(u, contentType string) string {
	if e := URLExt(u); e != "" {
		return e
	}
	if contentType != "" {
		return api.ExtForMIME(contentType)
	}
	return "bin"
}

// ResultName is the file name of a job's n-th result: "result-<n>.<ext>".
func ResultName(n int, ext string) string {
	return "result-" + strconv.Itoa(n) + "." + ext
}

// IntermediateName is the file name of the n-th URL of a running job's
// intermediate result: "intermediate-<n>.<ext>". It differs from the
// final result's name, so a name never changes content when the job
// completes (the kernel and the cache keep a result-<n> for an hour).
func IntermediateName(n int, ext string) string {
	return "intermediate-" + strconv.Itoa(n) + "." + ext
}

// PreviewName is the file name of a style's n-th preview image.
func PreviewName(n int, ext string) string {
	return "preview-" + strconv.Itoa(n) + "." + ext
}

// CoverName is the file name of a style's cover image.
func CoverName(ext string) string {
	return "cover." + ext
}

// maxStatusLen bounds the status word shown in a status file.
const maxStatusLen = 64

// StatusContent is what a job's status file holds: the status word and a
// newline. A status the API should never send (empty, control characters,
// invalid UTF-8, very long) is shown as "unknown" so that the file stays
// one short line that scripts can match.
func StatusContent(status string) []byte {
	if status == "" || len(status) > maxStatusLen || !utf8.ValidString(status) {
		return []byte("unknown\n")
	}
	for _, r := range status {
		if badRune(r) || r == ' ' {
			return []byte("unknown\n")
		}
	}
	return []byte(status + "\n")
}

// PrettyJSON indents an object as the API sent it, with a final newline.
// When raw is missing or not valid JSON (which the client never hands
// over), fallback is marshalled instead, so the file is never empty.
func PrettyJSON(raw json.RawMessage, fallback any) []byte {
	var b bytes.Buffer
	if len(raw) > 0 && json.Indent(&b, raw, "", "  ") == nil {
		b.WriteByte('\n')
		return b.Bytes()
	}
	out, err := json.MarshalIndent(fallback, "", "  ")
	if err != nil {
		return []byte("{}\n")
	}
	return append(out, '\n')
}

// JobError is the reason a failed job gives, for log lines: result.error
// as the client decoded it, else "error" or "message" at the top level of
// the raw object (docs/api-assumptions.md). "" when there is none.
func JobError(j *api.Job) string {
	if j.Result != nil && j.Result.Error != "" {
		return j.Result.Error
	}
	var top struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
	}
	if len(j.Raw) > 0 && json.Unmarshal(j.Raw, &top) == nil {
		switch e := top.Error.(type) {
		case string:
			if e != "" {
				return e
			}
		case map[string]any:
			if m, ok := e["message"].(string); ok && m != "" {
				return m
			}
		}
		return top.Message
	}
	return ""
}

// JobStyleTarget is the target of a completed training job's "style"
// symlink, or "" when the job has no style (or its id is not a usable
// file name, so no link could resolve).
func JobStyleTarget(j *api.Job) string {
	if j.Status != api.StatusCompleted || j.Result == nil || j.Result.StyleID == "" {
		return ""
	}
	id := j.Result.StyleID
	if !UsableName(id) {
		return ""
	}
	return "../../" + stylesDirName + "/" + id
}

// stylesDirName is the name of the styles directory under the root.
const stylesDirName = "styles"

// SameJob reports whether two snapshots of a job look the same to a user
// of the mount (same files, same contents).
func SameJob(a, b *api.Job) bool {
	if a.Status != b.Status {
		return false
	}
	if len(a.Raw) > 0 || len(b.Raw) > 0 {
		return bytes.Equal(a.Raw, b.Raw)
	}
	ra, rb := a.Result, b.Result
	if (ra == nil) != (rb == nil) {
		return false
	}
	if ra == nil {
		return true
	}
	return ra.StyleID == rb.StyleID && ra.Error == rb.Error && strings.Join(ra.URLs, "\n") == strings.Join(rb.URLs, "\n")
}
