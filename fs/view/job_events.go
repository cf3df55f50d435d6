package view

import "github.com/kreafs/kreafs/api"

// Event is one line of the events log before it is timed (Events.Add).
type Event struct {
	Kind   string // an Event* constant
	Detail string // job-state: the new state; else ""
	Path   string // relative to the mount
}

// JobEvents are the events of job j changing from old (nil: first seen
// by a poll after it was listed) to now: job-state with the new state
// when it moved, and result-ready for each result file a completion
// brings (names by JobEntries, ext giving a result URL's extension).
// A job seen for the first time logs its state only.
func JobEvents(old, now *api.Job, ext func(url string) string) []Event {
	if now == nil || old != nil && old.Status == now.Status {
		return nil
	}
	dir := "jobs/" + now.JobID
	evs := []Event{{Kind: EventJobState, Detail: now.Status, Path: dir}}
	if old == nil {
		return evs
	}
	for _, e := range JobEntries(now, ext, nil) {
		if e.Kind == JobResult && !e.Intermediate {
			evs = append(evs, Event{Kind: EventResultReady, Path: dir + "/" + e.Name})
		}
	}
	return evs
}
