package view

import (
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestAJobDirectoryHoldsWhatItsStateGives(t *testing.T) {
	ext := func(u string) string { return MediaExt(u, "") }
	names := func(es []JobEntry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Name)
		}
		return strings.Join(out, " ")
	}
	done := &api.Job{JobID: "j1", Status: api.StatusCompleted, Result: &api.JobResult{URLs: []string{"https://h/a.png", "https://h/b"}, StyleID: "s-1"}}
	if got := names(JobEntries(done, ext, nil)); got != "job.json status result-0.png result-1.bin style" {
		t.Errorf("completed job: %s", got)
	}
	es := JobEntries(done, ext, nil)
	if es[2].Kind != JobResult || es[2].Intermediate || es[2].N != 0 || es[4].Kind != JobStyle || es[4].Target != "../../styles/s-1" {
		t.Errorf("completed job entries: %+v", es)
	}
	running := &api.Job{JobID: "j2", Status: api.StatusProcessing, Result: &api.JobResult{URLs: []string{"https://h/p.jpg"}}}
	es = JobEntries(running, ext, nil)
	if got := names(es); got != "job.json status intermediate-0.jpg" || !es[2].Intermediate {
		t.Errorf("running job: %s %+v", got, es)
	}
	if got := names(JobEntries(&api.Job{JobID: "j3", Status: api.StatusFailed}, ext, nil)); got != "job.json status" {
		t.Errorf("failed job: %s", got)
	}
	if got := names(JobEntries(done, ext, map[string]bool{"result-0.png": true, "status": true})); got != "job.json result-1.bin style" {
		t.Errorf("with names unlinked through the mount: %s", got)
	}
}
