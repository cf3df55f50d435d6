package view

import (
	"reflect"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestAJobsCompletionLogsItsStateAndEachResult(t *testing.T) {
	ext := func(string) string { return "png" }
	run := &api.Job{JobID: "j1", Status: "processing"}
	done := &api.Job{JobID: "j1", Status: api.StatusCompleted, Result: &api.JobResult{URLs: []string{"u0", "u1"}}}
	got := JobEvents(run, done, ext)
	want := []Event{
		{Kind: EventJobState, Detail: "completed", Path: "jobs/j1"},
		{Kind: EventResultReady, Path: "jobs/j1/" + ResultName(0, "png")},
		{Kind: EventResultReady, Path: "jobs/j1/" + ResultName(1, "png")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JobEvents = %+v\nwant %+v", got, want)
	}
	if evs := JobEvents(done, done, ext); evs != nil {
		t.Errorf("no change logged %+v", evs)
	}
	if evs := JobEvents(nil, run, ext); len(evs) != 1 || evs[0].Detail != "processing" {
		t.Errorf("first sight logged %+v", evs)
	}
	failed := &api.Job{JobID: "j1", Status: api.StatusFailed, Result: &api.JobResult{Error: "x"}}
	if evs := JobEvents(run, failed, ext); len(evs) != 1 || evs[0].Detail != "failed" {
		t.Errorf("failure logged %+v", evs)
	}
}
