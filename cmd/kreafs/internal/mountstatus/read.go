// Package mountstatus reads a kreafs mount's control files
// (MOUNT/.kreafs/uploads and errors) for kreafs status and kreafs wait, and
// shows them: a table, live progress, or a wait until nothing is queued.
// It works for any user who can read the mount, without talking to the
// kreafs process; what it shows is as fresh as the files (rebuilt at each
// open).
package mountstatus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Upload is one line of MOUNT/.kreafs/uploads (upload.FormatStatus).
type Upload struct {
	State    string  `json:"state"`
	Size     int64   `json:"size"`
	Sent     int64   `json:"sent"`
	Speed    float64 `json:"speed"`                 // bytes per second; 0 when not uploading
	ETA      float64 `json:"eta_seconds,omitempty"` // seconds; omitted when unknown
	Attempts int     `json:"attempts"`
	NextTry  string  `json:"next_try,omitempty"` // RFC 3339
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Error    string  `json:"error,omitempty"`
}

// Error is one line of MOUNT/.kreafs/errors (node.FormatErrors).
type Error struct {
	Time   string `json:"time"`
	Op     string `json:"op"`
	Errno  string `json:"errno"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Status is what kreafs status shows.
type Status struct {
	Mountpoint string   `json:"mountpoint"`
	Queued     int      `json:"queued"` // writing, pending or uploading
	Failed     int      `json:"failed"` // refused for good
	Size       int64    `json:"size"`   // bytes of the queued files
	Sent       int64    `json:"sent"`   // of which sent by running uploads
	Speed      float64  `json:"speed"`  // bytes per second, all running uploads
	ETA        float64  `json:"eta_seconds,omitempty"`
	Uploads    []Upload `json:"uploads"`
	Errors     []Error  `json:"errors"`
}

// statusDirOf is MOUNTPOINT/.kreafs, checked to be a kreafs mount's.
func statusDirOf(mp string) (string, error) {
	dir := filepath.Join(mp, ".kreafs")
	if _, err := os.Stat(filepath.Join(dir, "uploads")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s is not a kreafs mount (no .kreafs/uploads)", mp)
		}
		return "", err
	}
	return dir, nil
}

// Read reads the control files of the mount at mp.
func Read(mp string) (*Status, error) {
	dir, err := statusDirOf(mp)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "uploads"))
	if err != nil {
		return nil, err
	}
	st := &Status{Mountpoint: mp, Uploads: []Upload{}, Errors: []Error{}}
	if st.Uploads, err = parseUploads(string(b)); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "uploads"), err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "errors")); err == nil { // an older kreafs has none
		st.Errors = parseErrors(string(b))
	}
	for _, u := range st.Uploads {
		switch u.State {
		case "writing", "pending", "uploading":
			st.Queued++
			st.Size += u.Size
			st.Sent += u.Sent
			st.Speed += u.Speed
		case "failed":
			st.Failed++
		}
	}
	if st.Speed > 0 {
		st.ETA = float64(st.Size-st.Sent) / st.Speed
	}
	return st, nil
}

// parseUploads parses the uploads file: comment lines, then
// state size sent speed eta attempts next_try id name error.
func parseUploads(text string) ([]Upload, error) {
	out := []Upload{}
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 10 {
			return nil, fmt.Errorf("unexpected line %q (a kreafs of another version?)", line)
		}
		u := Upload{State: f[0], ID: f[7]}
		u.Size, _ = strconv.ParseInt(f[1], 10, 64)
		u.Sent, _ = strconv.ParseInt(f[2], 10, 64)
		u.Speed, _ = strconv.ParseFloat(f[3], 64)
		if d, err := time.ParseDuration(f[4]); err == nil {
			u.ETA = d.Seconds()
		}
		u.Attempts, _ = strconv.Atoi(f[5])
		if f[6] != "-" {
			u.NextTry = f[6]
		}
		u.Name = unquote(f[8])
		u.Error = unquote(f[9])
		out = append(out, u)
	}
	return out, nil
}

// parseErrors parses the errors file: time op errno path reason.
func parseErrors(text string) []Error {
	out := []Error{}
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			continue
		}
		out = append(out, Error{Time: f[0], Op: f[1], Errno: f[2], Path: unquote(f[3]), Reason: unquote(f[4])})
	}
	return out
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}
