//go:build linux

package integration

// Helpers of the jobs/ and styles/ stories (jobs_test.go, styles_test.go):
// the API driven with curl as a user would drive it, and JSON read back
// from the mount with cat.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fluxDev is the generation endpoint of the stories.
const fluxDev = "/generate/image/bfl/flux-1-dev"

// apiCurl sends one API request with curl, the token in the Authorization
// header and body (if any) as JSON, and returns the answer's body and HTTP
// status.
func apiCurl(t testing.TB, emu *Emulator, method, path, body string) ([]byte, int) {
	t.Helper()
	args := []string{"-sS", "-X", method, "-H", "Authorization: Bearer " + emu.Token(),
		"-w", "\n%{http_code}"}
	if body != "" {
		args = append(args, "-H", "Content-Type: application/json", "-d", body)
	}
	out := run(t, "curl", append(args, emu.URL()+path)...)
	i := strings.LastIndexByte(out, '\n')
	code, err := strconv.Atoi(strings.TrimSpace(out[i+1:]))
	if i < 0 || err != nil {
		t.Fatalf("curl -X %s %s: cannot read the status from %q", method, path, out)
	}
	return []byte(out[:i]), code
}

// apiJSON is apiCurl that wants a 200 and decodes the answer into v.
func apiJSON(t testing.TB, emu *Emulator, method, path, body string, v any) {
	t.Helper()
	out, code := apiCurl(t, emu, method, path, body)
	if code != 200 {
		t.Fatalf("curl -X %s %s: HTTP %d: %s", method, path, code, out)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("curl -X %s %s: %v in %s", method, path, err, out)
	}
}

// submitJob starts a job with curl (POST path with body) and returns its id.
func submitJob(t testing.TB, emu *Emulator, path, body string) string {
	t.Helper()
	var j struct {
		JobID  string `json:"job_id"`
		Status string `json:"status"`
	}
	apiJSON(t, emu, "POST", path, body, &j)
	if j.JobID == "" {
		t.Fatalf("POST %s answered no job_id", path)
	}
	return j.JobID
}

// catJSON reads a JSON file of the mount with cat and decodes it.
func catJSON(t testing.TB, path string, v any) string {
	t.Helper()
	out := run(t, "cat", path)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("cat %s: not JSON (%v):\n%s", path, err, out)
	}
	return out
}

// waitStatus runs the script recipe of docs/jobs-and-styles.md,
// `until grep -qx WANT status; do sleep 0.2; done`, bounded by timeout
// (coreutils), and fails the test if the status never reads want.
func waitStatus(t testing.TB, m *Mount, id, want string, bound time.Duration) {
	t.Helper()
	status := m.Path("jobs", id, "status")
	secs := strconv.FormatFloat(bound.Seconds(), 'f', 1, 64)
	_, stderr, err := runErr(t, "timeout", secs, "sh", "-c",
		`until grep -qx "$1" "$2"; do sleep 0.2; done`, "sh", want, status)
	if err != nil {
		last, _, _ := runErr(t, "cat", status)
		t.Fatalf("jobs/%s/status did not read %q within %v (%v %s); last: %q", id, want, bound, err, stderr, last)
	}
}

// lsNames runs ls (with extra flags) on dir and returns its lines.
func lsNames(t testing.TB, dir string, extra ...string) []string {
	t.Helper()
	out := run(t, "ls", append(extra, dir)...)
	if out = strings.TrimRight(out, "\n"); out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// listedWithin polls ls of dir until it lists name, for at most d.
func listedWithin(t testing.TB, dir, name string, d time.Duration) error {
	t.Helper()
	return eventually(d, func() error {
		if slices.Contains(lsNames(t, dir), name) {
			return nil
		}
		return fmt.Errorf("ls %s does not list %q", dir, name)
	})
}

// cmpWithCurl downloads url with curl (no token, as a user would) and
// compares it with the mount's file using cmp.
func cmpWithCurl(t testing.TB, url, file string) {
	t.Helper()
	local := filepath.Join(t.TempDir(), "download")
	run(t, "curl", "-sSf", "-o", local, url)
	if out, stderr, err := runErr(t, "cmp", local, file); err != nil {
		t.Errorf("cmp of curl %s with %s: %v %s%s", url, file, err, out, stderr)
	}
}

// sameJSON reports whether a and b hold the same JSON value (so pretty
// printing does not matter).
func sameJSON(a, b []byte) (bool, error) {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return false, err
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys), nil
}
