package view

import "github.com/kreafs/kreafs/api"

// JobEntryKind is what an entry of a job's directory is.
type JobEntryKind int

// Kinds of entries in a job's directory.
const (
	JobJSON   JobEntryKind = iota // job.json
	JobStatus                     // status
	JobResult                     // result-<n>.<ext> or intermediate-<n>.<ext>
	JobStyle                      // style, the link of a training job to its style
)

// JobEntry is one entry of a job's directory.
type JobEntry struct {
	Name         string
	Kind         JobEntryKind
	URL          string // JobResult: where the bytes are
	N            int    // JobResult: index in result.urls
	Intermediate bool   // JobResult: of a running job (may change)
	Target       string // JobStyle: the symlink's target
}

// JobEntries lists what job j's directory holds: job.json and status
// always; once completed, result-<n>.<ext> for each result URL and, for a
// training job, the style link; while unfinished, intermediate-<n>.<ext>
// for each URL an intermediate result carries. ext gives the extension of
// a result URL (MediaExt rules); names in hidden (unlinked through the
// mount) are left out.
func JobEntries(j *api.Job, ext func(url string) string, hidden map[string]bool) []JobEntry {
	es := []JobEntry{{Name: JobJSONName, Kind: JobJSON}, {Name: JobStatusName, Kind: JobStatus}}
	switch {
	case j.Status == api.StatusCompleted && j.Result != nil:
		for i, u := range j.Result.URLs {
			es = append(es, JobEntry{Name: ResultName(i, ext(u)), Kind: JobResult, URL: u, N: i})
		}
		if t := JobStyleTarget(j); t != "" {
			es = append(es, JobEntry{Name: JobStyleName, Kind: JobStyle, Target: t})
		}
	case !j.Finished() && j.Result != nil:
		for i, u := range j.Result.URLs {
			es = append(es, JobEntry{Name: IntermediateName(i, ext(u)), Kind: JobResult, URL: u, N: i, Intermediate: true})
		}
	}
	if len(hidden) == 0 {
		return es
	}
	out := es[:0]
	for _, e := range es {
		if !hidden[e.Name] {
			out = append(out, e)
		}
	}
	return out
}
