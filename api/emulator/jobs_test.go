package emulator_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// jobAt is GET /jobs/{id} decoded both ways.
func jobAt(t *testing.T, s *emulator.Server, id string) (api.Job, map[string]any) {
	t.Helper()
	var j api.Job
	var m map[string]any
	a := getJSON(t, s, "/jobs/"+id, &j)
	if a.status != 200 {
		t.Fatalf("GET /jobs/%s: %d %s", id, a.status, a.body)
	}
	a.json(t, &m)
	return j, m
}

func newJob(t *testing.T, s *emulator.Server) (string, string) {
	t.Helper()
	a := postJSON(t, s, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "a fox"})
	var j api.Job
	a.json(t, &j)
	if a.status != 200 || j.JobID == "" {
		t.Fatalf("generate: %d %s", a.status, a.body)
	}
	return j.JobID, j.Status
}

func TestAJobGoesThroughEveryDocumentedStateWithAReadableIntermediateResult(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: 6 * time.Second})
	id, _ := newJob(t, s)
	var seen []string
	var preview string
	for range 7 {
		j, m := jobAt(t, s, id)
		if len(seen) == 0 || seen[len(seen)-1] != j.Status {
			seen = append(seen, j.Status)
		}
		if m["type"] != "flux-1-dev" || !hasKey(m, "completed_at") || m["result"] == nil {
			t.Fatalf("%s: %v", j.Status, m)
		}
		switch j.Status {
		case "completed":
			if m["completed_at"] == nil || len(j.Result.URLs) != 1 || j.Result.URLs[0] == preview {
				t.Fatalf("completed: %v", m)
			}
		case "intermediate-complete":
			if len(j.Result.URLs) != 1 {
				t.Fatalf("intermediate-complete without one intermediate result: %v", m)
			}
			preview = j.Result.URLs[0]
			if f := fetch(t, preview); f.status != 200 || f.header.Get("Content-Type") != "image/png" {
				t.Fatalf("intermediate result %s: %d %s", preview, f.status, f.header.Get("Content-Type"))
			}
			fallthrough
		default:
			if m["completed_at"] != nil || (j.Status != "intermediate-complete" && fmt.Sprint(m["result"]) != "map[]") {
				t.Fatalf("running (%s): %v", j.Status, m)
			}
		}
		clock.Advance(time.Second)
	}
	want := []string{"queued", "scheduled", "processing", "sampling", "intermediate-complete", "completed"}
	if !slices.Equal(seen, want) {
		t.Fatalf("states %v, want %v", seen, want)
	}
}

func TestAFailingJobEndsFailedWithAnErrorAndNoIntermediateResult(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: 6 * time.Second, JobFailRate: 1})
	id, _ := newJob(t, s)
	for range 6 {
		if j, _ := jobAt(t, s, id); j.Status == "intermediate-complete" || len(j.Result.URLs) > 0 {
			t.Fatalf("failing job shows %+v", j)
		}
		clock.Advance(time.Second)
	}
	if j, m := jobAt(t, s, id); j.Status != "failed" || j.Result.Error == "" || m["completed_at"] == nil {
		t.Fatalf("failed job: %v", m)
	}
}

func TestExtraJobStateIsShownBetweenTheIntermediateResultAndTheEnd(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: 6 * time.Second, ExtraJobState: "upscaling"})
	id, _ := newJob(t, s)
	clock.Advance(4 * time.Second)
	if j, _ := jobAt(t, s, id); j.Status != "intermediate-complete" {
		t.Fatalf("at 4/6: %s", j.Status)
	}
	clock.Advance(time.Second)
	if j, m := jobAt(t, s, id); j.Status != "upscaling" || m["completed_at"] != nil || len(j.Result.URLs) != 1 {
		t.Fatalf("at 5/6: %v", m)
	}
	clock.Advance(time.Second)
	if j, _ := jobAt(t, s, id); j.Status != "completed" {
		t.Fatalf("at the end: %s", j.Status)
	}
	if _, err := emulator.Start(emulator.Options{ExtraJobState: "processing"}); err == nil {
		t.Error("a documented state accepted as the extra state")
	}
}

func TestJobsPastTheConcurrencyLimitAreBackloggedNotRefused(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: 6 * time.Second, MaxConcurrentJobs: 1})
	a, st := newJob(t, s)
	if st != "queued" {
		t.Fatalf("first job %s", st)
	}
	clock.Advance(time.Second)
	b, st := newJob(t, s)
	if st != "backlogged" {
		t.Fatalf("second job past the limit: %s, want backlogged", st)
	}
	var p jobPage
	getJSON(t, s, "/jobs?status=backlogged", &p)
	if len(p.Items) != 1 || p.Items[0].JobID != b {
		t.Fatalf("?status=backlogged: %+v", p.Items)
	}
	clock.Advance(4 * time.Second) // a: 5/6 done
	if j, _ := jobAt(t, s, b); j.Status != "backlogged" {
		t.Fatalf("second job while the first runs: %s", j.Status)
	}
	clock.Advance(time.Second) // a ends: b starts
	if j, _ := jobAt(t, s, a); j.Status != "completed" {
		t.Fatalf("first job: %s", j.Status)
	}
	if j, _ := jobAt(t, s, b); j.Status != "queued" {
		t.Fatalf("second job once a slot is free: %s", j.Status)
	}
	clock.Advance(6 * time.Second)
	if j, _ := jobAt(t, s, b); j.Status != "completed" || !j.CompletedAt.Equal(j.CreatedAt.Add(11*time.Second)) {
		t.Fatalf("second job: %+v", j)
	}
}

func TestDeleteCancelsOnlyAQueuedOrProcessingJob(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: 6 * time.Second})
	del := func(id string, want int) map[string]any {
		t.Helper()
		a := call(t, s, "DELETE", "/jobs/"+id, nil, "")
		if a.status != want {
			t.Fatalf("DELETE %s: %d %s, want %d", id, a.status, a.body, want)
		}
		var m map[string]any
		a.json(t, &m)
		return m
	}
	queued, _ := newJob(t, s)
	m := del(queued, 200)
	if m["status"] != "cancelled" || m["completed_at"] == nil || m["job_id"] != queued {
		t.Fatalf("cancel answer: %v", m)
	}
	scheduled, _ := newJob(t, s)
	clock.Advance(time.Second) // scheduled
	if msg := errorOf(t, del(scheduled, 400)); msg == "" {
		t.Fatal("no error message")
	}
	if j, _ := jobAt(t, s, scheduled); j.Status != "scheduled" {
		t.Fatalf("refused cancel changed the job: %s", j.Status)
	}
	clock.Advance(time.Second) // scheduled job now processing
	del(scheduled, 200)
	clock.Advance(10 * time.Second)
	for _, id := range []string{queued, scheduled} {
		if j, m := jobAt(t, s, id); j.Status != "cancelled" || m["completed_at"] == nil || len(j.Result.URLs) != 0 {
			t.Fatalf("cancelled job later: %v", m)
		}
	}
	done, _ := newJob(t, s)
	clock.Advance(6 * time.Second)
	j, _ := jobAt(t, s, done)
	del(done, 400)
	del(queued, 400) // already cancelled
	if after, _ := jobAt(t, s, done); after.Status != "completed" || fetch(t, j.Result.URLs[0]).status != 200 {
		t.Fatalf("refused cancel changed a completed job: %+v", after)
	}
	del("00000000-0000-4000-8000-000000000000", 404)

	// A cancelled training job never creates its style.
	tr := postJSON(t, s, "/styles/train", map[string]any{"name": "never", "urls": []string{"https://e.com/a.png"}})
	var tj api.Job
	tr.json(t, &tj)
	n := len(s.Styles())
	del(tj.JobID, 200)
	clock.Advance(time.Minute)
	if got := len(s.Styles()); got != n {
		t.Fatalf("cancelled training made a style: %d styles, was %d", got, n)
	}
}

func errorOf(t *testing.T, m map[string]any) string {
	t.Helper()
	msg, _ := m["error"].(string)
	return msg
}

func TestJobDeleteSwitches(t *testing.T) {
	clock := newClock()
	s := start(t, emulator.Options{Clock: clock.Now, JobDuration: 6 * time.Second, JobDelete: emulator.JobDeleteCancelPending})
	for _, at := range []time.Duration{time.Second, 3 * time.Second, 4 * time.Second} { // scheduled, sampling, intermediate-complete
		id, _ := newJob(t, s)
		clock.Advance(at)
		if a := call(t, s, "DELETE", "/jobs/"+id, nil, ""); a.status != 200 {
			t.Fatalf("cancel-pending at %v: %d %s", at, a.status, a.body)
		}
		if j, _ := jobAt(t, s, id); j.Status != "cancelled" {
			t.Fatalf("cancel-pending at %v: %s", at, j.Status)
		}
	}
	id, _ := newJob(t, s)
	clock.Advance(6 * time.Second)
	if a := call(t, s, "DELETE", "/jobs/"+id, nil, ""); a.status != 400 {
		t.Fatalf("cancel-pending of a completed job: %d", a.status)
	}

	r := start(t, emulator.Options{Clock: clock.Now, JobDuration: 6 * time.Second, JobDelete: emulator.JobDeleteRemove})
	id, _ = newJob(t, r)
	clock.Advance(6 * time.Second)
	if a := call(t, r, "DELETE", "/jobs/"+id, nil, ""); a.status != 200 {
		t.Fatalf("delete of a completed job: %d", a.status)
	}
	if a := call(t, r, "GET", "/jobs/"+id, nil, ""); a.status != http.StatusNotFound {
		t.Fatalf("GET after delete: %d", a.status)
	}
	if _, err := emulator.Start(emulator.Options{JobDelete: "purge"}); err == nil {
		t.Error("unknown JobDelete accepted")
	}
}
