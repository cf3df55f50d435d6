package fs

// Pure helpers for jobs/ and styles/: what the small generated files
// contain, how result and preview files are named, and the polling
// schedule of watched jobs. No locks, no I/O.

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kreafs/kreafs/api"
)

// Names of the fixed entries of a job and a style directory.
const (
	jobJSONName   = "job.json"
	jobStatusName = "status"
	jobStyleName  = "style"
	styleJSONName = "style.json"
)

// urlExt is the extension (lowercased, without the dot) of the last
// element of u's path, or "" when it has none or u does not parse.
// "https://h/x/img.PNG?sig=1" -> "png". The same rules as file names
// apply (extOf): 1 to 10 ASCII letters or digits after the last dot.
func urlExt(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return extOf(path.Base(p.Path))
}

// mediaExt chooses the extension of a downloaded file (a job result, a
// style cover or preview): the URL's own extension when it has one, else
// the one Content-Type implies (contentType may be "" when not known),
// else "bin".
func mediaExt(u, contentType string) string {
	if e := urlExt(u); e != "" {
		return e
	}
	if contentType != "" {
		return api.ExtForMIME(contentType)
	}
	return "bin"
}

// resultName is the file name of a job's n-th result: "result-<n>.<ext>".
func resultName(n int, ext string) string {
	return "result-" + strconv.Itoa(n) + "." + ext
}

// intermediateName is the file name of the n-th URL of a running job's
// intermediate result: "intermediate-<n>.<ext>". It differs from the
// final result's name, so a name never changes content when the job
// completes (the kernel and the cache keep a result-<n> for an hour).
func intermediateName(n int, ext string) string {
	return "intermediate-" + strconv.Itoa(n) + "." + ext
}

// previewName is the file name of a style's n-th preview image.
func previewName(n int, ext string) string {
	return "preview-" + strconv.Itoa(n) + "." + ext
}

// coverName is the file name of a style's cover image.
func coverName(ext string) string {
	return "cover." + ext
}

// maxStatusLen bounds the status word shown in a status file.
const maxStatusLen = 64

// statusContent is what a job's status file holds: the status word and a
// newline. A status the API should never send (empty, control characters,
// invalid UTF-8, very long) is shown as "unknown" so that the file stays
// one short line that scripts can match.
func statusContent(status string) []byte {
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

// prettyJSON indents an object as the API sent it, with a final newline.
// When raw is missing or not valid JSON (which the client never hands
// over), fallback is marshalled instead, so the file is never empty.
func prettyJSON(raw json.RawMessage, fallback any) []byte {
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

// jobError is the reason a failed job gives, for log lines: result.error
// as the client decoded it, else "error" or "message" at the top level of
// the raw object (docs/api-assumptions.md). "" when there is none.
func jobError(j *api.Job) string {
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

// jobStyleTarget is the target of a completed training job's "style"
// symlink, or "" when the job has no style (or its id is not a usable
// file name, so no link could resolve).
func jobStyleTarget(j *api.Job) string {
	if j.Status != api.StatusCompleted || j.Result == nil || j.Result.StyleID == "" {
		return ""
	}
	id := j.Result.StyleID
	if !usableName(id) {
		return ""
	}
	return "../../" + stylesDirName + "/" + id
}

// stylesDirName is the name of the styles directory under the root.
const stylesDirName = "styles"

// sameJob reports whether two snapshots of a job look the same to a user
// of the mount (same files, same contents).
func sameJob(a, b *api.Job) bool {
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

// pollSchedule is how often a watched, unfinished job is re-fetched.
// Krea's advice: every 2 to 5 s while a job is pending, backing off for
// long jobs (docs/jobs-and-styles.md, "Watching").
type pollSchedule struct {
	First  time.Duration // delay before the first poll after a job is armed
	Max    time.Duration // delays grow by Factor up to Max
	Factor float64
	// Long: a job watched for this long is a long job (a video, a
	// training, an external provider): from then on each delay is Factor
	// times the one before, up to LongMax.
	Long    time.Duration
	LongMax time.Duration
	// Idle is how long a job stays watched after the last time someone
	// listed or opened it; then polling stops until the next interest.
	Idle time.Duration
	// MaxJobs bounds how many jobs are watched at once; arming one more
	// drops the one with the oldest interest.
	MaxJobs int
}

// defaultPollSchedule polls after 2s, 2.5s, 3.1s, 3.9s, then every 4s:
// a result shows up within about 4s (plus one API round trip) of the job
// completing, and at most 32 jobs are polled, so at most 16 requests per
// second go out at the very start and 8 per second in steady state. A job
// still running after 3 minutes (Krea's hosted tools time out then; what
// runs longer is a long job) is polled less and less often, up to every
// 15 s.
var defaultPollSchedule = pollSchedule{
	First:   2 * time.Second,
	Max:     4 * time.Second,
	Factor:  1.25,
	Long:    3 * time.Minute,
	LongMax: 15 * time.Second,
	Idle:    10 * time.Minute,
	MaxJobs: 32,
}

// delay is the wait before poll number attempt (0-based) of a job.
func (s pollSchedule) delay(attempt int) time.Duration {
	d := float64(s.First)
	for i := 0; i < attempt && d < float64(s.Max); i++ {
		d *= s.Factor
	}
	if d > float64(s.Max) {
		d = float64(s.Max)
	}
	return time.Duration(d)
}

// next is the wait before poll number attempt of a job watched for age,
// whose previous wait was last: delay(attempt) at first, growing past
// Long up to LongMax.
func (s pollSchedule) next(attempt int, age, last time.Duration) time.Duration {
	d := s.delay(attempt)
	if s.Long <= 0 || age < s.Long || s.LongMax <= d {
		return d
	}
	grown := time.Duration(float64(max(last, d)) * s.Factor)
	return min(max(grown, d), s.LongMax)
}
