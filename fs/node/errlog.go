package node

// The mount's recent errors (MOUNT/.kreafs/errors): every error Fail
// returns for a reason worth telling (not EINTR, not ENOENT), newest last,
// at most ErrorLogSize. Reasons are scrubbed of secrets before they are
// kept: the API token (Hide) and anything following "Bearer" or
// "Authorization".
//
// Locking: ErrorLog.mu guards its ring and secrets.

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// ErrorLogSize is how many errors MOUNT/.kreafs/errors keeps.
const ErrorLogSize = 100

// ErrorEntry is one error the mount returned.
type ErrorEntry struct {
	Time   time.Time     `json:"time"`
	Op     string        `json:"op"`
	Path   string        `json:"path"`
	Errno  syscall.Errno `json:"-"`
	Reason string        `json:"reason"`
}

// ErrnoName is the entry's errno as its C name (EDQUOT).
func (e ErrorEntry) ErrnoName() string {
	if n := unix.ErrnoName(e.Errno); n != "" {
		return n
	}
	return "errno" + strconv.Itoa(int(e.Errno))
}

// ErrorLog is a bounded ring of ErrorEntry; safe for concurrent use.
type ErrorLog struct {
	mu      sync.Mutex
	ring    []ErrorEntry
	next    int
	full    bool
	secrets []string
	now     func() time.Time
}

// NewErrorLog returns an empty log keeping the last n entries.
func NewErrorLog(n int) *ErrorLog {
	return &ErrorLog{ring: make([]ErrorEntry, n), now: time.Now}
}

// Errors is the process's error log, fed by Fail. One process serves one
// mount, so one log is the mount's.
var Errors = NewErrorLog(ErrorLogSize)

// Hide makes every later reason show secret (the API token) as
// "[redacted]". An empty secret is ignored.
func (l *ErrorLog) Hide(secret string) {
	if secret == "" {
		return
	}
	l.mu.Lock()
	l.secrets = append(l.secrets, secret)
	l.mu.Unlock()
}

// Scrub returns s with the hidden secrets and credentials replaced, as
// reasons are (for other status text that may quote an API's answer).
func (l *ErrorLog) Scrub(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return scrub(s, l.secrets)
}

// Add keeps e, with its reason scrubbed, dropping the oldest entry when full.
func (l *ErrorLog) Add(e ErrorEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Reason = scrub(e.Reason, l.secrets)
	e.Path = scrub(e.Path, l.secrets)
	l.ring[l.next] = e
	l.next = (l.next + 1) % len(l.ring)
	if l.next == 0 {
		l.full = true
	}
}

// Entries returns the kept entries, oldest first.
func (l *ErrorLog) Entries() []ErrorEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		return append([]ErrorEntry(nil), l.ring[:l.next]...)
	}
	return append(append([]ErrorEntry(nil), l.ring[l.next:]...), l.ring[:l.next]...)
}

// record adds the error Fail returns, named by fields (op, path or name
// or id).
func (l *ErrorLog) record(fields logrus.Fields, en syscall.Errno, err error) {
	str := func(k string) string {
		if v, ok := fields[k]; ok {
			return fmt.Sprint(v)
		}
		return ""
	}
	path := str("path")
	if path == "" {
		path = str("name")
	}
	if path == "" && str("id") != "" {
		path = "assets/.by-id/" + str("id")
	}
	l.Add(ErrorEntry{Op: str("op"), Path: path, Errno: en, Reason: err.Error()})
}

// authPattern finds credentials in a message: what follows "Bearer " or
// an Authorization header name.
var authPattern = regexp.MustCompile(`(?i)(bearer\s+|authorization["']?\s*[:=]\s*["']?(bearer\s+)?)[^\s"',;]+`)

func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return authPattern.ReplaceAllString(s, "${1}[redacted]")
}

// FormatErrors renders entries as the text of MOUNT/.kreafs/errors: two
// comment lines, then one line per error, oldest first, tab-separated:
//
//	# kreafs errors: 1 (the last 100 kept, oldest first)
//	# time	op	errno	path	reason
//	2026-12-05T07:00:00Z	close	EINVAL	"assets/notes.txt"	"..."
//
// path and reason are Go-quoted (strconv.Quote).
func FormatErrors(entries []ErrorEntry) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# kreafs errors: %d (the last %d kept, oldest first)\n# time\top\terrno\tpath\treason\n", len(entries), ErrorLogSize)
	for _, e := range entries {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format(time.RFC3339), e.Op, e.ErrnoName(),
			strconv.Quote(e.Path), strconv.Quote(e.Reason))
	}
	return b.Bytes()
}

// Refuse answers an operation refused for a reason of kreafs' own (a name
// or type Krea will not take, a size past its limit): one warning saying
// why, the same line in Errors, and en.
func Refuse(log logrus.FieldLogger, fields logrus.Fields, en syscall.Errno, reason string) syscall.Errno {
	log.WithFields(fields).Warn(reason)
	Errors.record(fields, en, errors.New(reason))
	return en
}
