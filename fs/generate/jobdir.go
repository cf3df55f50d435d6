package generate

import (
	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/state"
)

// Files a named request directory (jobs/NAME/, styles/NAME/ while
// training) shows besides the job's own (job.json, status, results).
const (
	IDFile    = "id"    // the job's id and a newline, once started
	ErrorFile = "error" // why the request was refused, or why its fate is unknown
	WaitFile  = "wait"  // blocks until the job ends, then its final state
)

// NamedFiles lists the files a directory with request r shows besides the
// job's own: the request file (read-only once sent), status when no job
// files give one (always in styles/), error, id and wait. r.State decides.
func NamedFiles(a Area, r state.JobRequest) []string {
	out := []string{TriggerName(a), WaitFile}
	switch r.State {
	case state.Started:
		out = append(out, IDFile)
		if a == Styles {
			out = append(out, "status") // the training job's: styles/ shows no job files
		}
	case state.Refused, state.Unknown:
		out = append(out, "status", ErrorFile)
	default:
		out = append(out, "status")
	}
	return out
}

// StatusLine is the status file of a request without a job: "submitting",
// "refused" or "unknown" and a newline.
func StatusLine(r state.JobRequest) string { return string(r.State) + "\n" }

// ErrorText is the error file: the message and a newline.
func ErrorText(r state.JobRequest) string {
	if r.Error == "" {
		return ""
	}
	return r.Error + "\n"
}

// Writable reports whether the request file of r may be written (created,
// truncated, replaced): before it was sent and after a refusal, never once
// sent (started or unknown) or while sending.
func Writable(r state.JobRequest, known bool) bool {
	return !known || r.State == state.Refused
}

// WaitDone tells whether a read of wait can answer now, and what: the
// final state of the job (its status word), or the request's own state
// when no job will come (refused, unknown), each with a newline. A
// started request whose job is not known yet, or is unfinished, waits.
func WaitDone(r state.JobRequest, j *api.Job) (string, bool) {
	switch r.State {
	case state.Refused, state.Unknown:
		return string(r.State) + "\n", true
	case state.Started:
		if j != nil && j.Finished() {
			return j.Status + "\n", true
		}
	}
	return "", false
}
