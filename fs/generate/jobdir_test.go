package generate

import (
	"slices"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/state"
)

func TestANamedDirectoryShowsWhatBecameOfItsRequest(t *testing.T) {
	started := state.JobRequest{State: state.Started, JobID: "j1"}
	refused := state.JobRequest{State: state.Refused, Error: "Krea refused the request (402): no credits"}
	unknown := state.JobRequest{State: state.Unknown, Error: "timeout"}
	if got := NamedFiles(Jobs, started); !slices.Equal(got, []string{"request.json", "wait", "id"}) {
		t.Errorf("started: %v", got)
	}
	if got := NamedFiles(Jobs, refused); !slices.Equal(got, []string{"request.json", "wait", "status", "error"}) {
		t.Errorf("refused: %v", got)
	}
	if got := NamedFiles(Styles, unknown); !slices.Equal(got, []string{"train.json", "wait", "status", "error"}) {
		t.Errorf("unknown: %v", got)
	}
	if got := NamedFiles(Styles, started); !slices.Equal(got, []string{"train.json", "wait", "id", "status"}) {
		t.Errorf("started training: %v", got)
	}
	if StatusLine(refused) != "refused\n" || ErrorText(refused) != refused.Error+"\n" || ErrorText(started) != "" {
		t.Error("status/error text")
	}
	if Writable(started, true) || Writable(unknown, true) || !Writable(refused, true) || !Writable(state.JobRequest{}, false) ||
		Writable(state.JobRequest{State: state.Submitting}, true) {
		t.Error("Writable")
	}
	if _, done := WaitDone(started, nil); done {
		t.Error("wait answered before the job is known")
	}
	if _, done := WaitDone(started, &api.Job{Status: "processing"}); done {
		t.Error("wait answered for a running job")
	}
	if s, done := WaitDone(started, &api.Job{Status: "completed"}); !done || s != "completed\n" {
		t.Errorf("wait of a completed job: %q", s)
	}
	if s, done := WaitDone(refused, nil); !done || s != "refused\n" {
		t.Errorf("wait of a refused request: %q", s)
	}
}
