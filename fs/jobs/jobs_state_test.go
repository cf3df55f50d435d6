package jobs

// The rules of job snapshots (jobs_state.go), without FUSE: a fake API and
// an injected clock.

import (
	"context"
	"encoding/json"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/fs/node"
)

// fakeJobsRemote answers GetJob from a map and counts the calls; the other
// Remote methods are not used by these tests.
type fakeJobsRemote struct {
	mu   sync.Mutex
	jobs map[string]*api.Job
	err  error // returned by GetJob when set
	gets int
	node.Remote
}

func (f *fakeJobsRemote) GetJob(ctx context.Context, id string) (*api.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.err != nil {
		return nil, f.err
	}
	j, ok := f.jobs[id]
	if !ok {
		return nil, &api.Error{Status: 404, Message: "job not found"}
	}
	c := *j
	return &c, nil
}

func (f *fakeJobsRemote) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

func job(id, status string) api.Job {
	raw, _ := json.Marshal(map[string]string{"job_id": id, "status": status})
	return api.Job{JobID: id, Status: status, Raw: raw}
}

func newTestJobsDir(t *testing.T, remote *fakeJobsRemote) (*jobsDir, *fakeClock) {
	t.Helper()
	store, err := cache.Open(cache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	r, err := node.NewMount(node.Config{Remote: remote, Content: store, Clock: clk.Now, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return New(r).(*jobsDir), clk
}

func TestMergeKeepsFinishedSnapshotsAndTakesNewerListings(t *testing.T) {
	remote := &fakeJobsRemote{jobs: map[string]*api.Job{}}
	d, _ := newTestJobsDir(t, remote)
	d.merge(1, []api.Job{job("a", "processing"), job("b", "completed"), job("c", "queued"), job("../x", "queued")})

	// c was fetched by id and found processing.
	remote.jobs["c"] = &api.Job{JobID: "c", Status: "processing"}
	if _, err := d.refresh(context.Background(), "c"); err != nil {
		t.Fatal(err)
	}

	// A later listing (which may have been fetched before those changes).
	d.merge(2, []api.Job{job("a", "completed"), job("b", "processing"), job("c", "queued"), job("d", "queued")})
	for id, want := range map[string]string{
		"a": "completed",  // listing-only snapshot replaced by the newer listing
		"b": "completed",  // finished is final, whatever a listing says
		"c": "processing", // fetched by id: an unfinished listing entry does not replace it
		"d": "queued",     // new job
	} {
		j, ok := d.peek(id)
		if !ok || j.Status != want {
			t.Errorf("%s: status %q (known %v), want %q", id, j.Status, ok, want)
		}
	}
	if d.isListed("../x") {
		t.Error("a job whose id is not a usable name is listed")
	}
	// A finished listing entry does replace a fetched unfinished snapshot.
	d.merge(3, []api.Job{job("c", "failed")})
	if j, _ := d.peek("c"); j.Status != "failed" {
		t.Errorf("c after a listing saying failed: %q", j.Status)
	}
	// An old generation is ignored.
	d.merge(2, []api.Job{job("c", "queued")})
	if j, _ := d.peek("c"); j.Status != "failed" {
		t.Errorf("c after a stale generation: %q", j.Status)
	}
}

func TestCurrentFetchesOnlyUnfinishedStaleJobs(t *testing.T) {
	remote := &fakeJobsRemote{jobs: map[string]*api.Job{"run": {JobID: "run", Status: "processing"}}}
	d, clk := newTestJobsDir(t, remote)
	d.merge(1, []api.Job{job("done", "completed"), job("run", "queued")})
	ctx := context.Background()

	if _, err := d.current(ctx, "done"); err != nil || remote.calls() != 0 {
		t.Fatalf("finished job: err %v, %d GETs, want none", err, remote.calls())
	}
	j, err := d.current(ctx, "run") // listed only: fetched
	if err != nil || j.Status != "processing" || remote.calls() != 1 {
		t.Fatalf("unfinished job: %q %v, %d GETs, want processing after 1", j.Status, err, remote.calls())
	}
	clk.Advance(jobFresh / 2)
	if _, err := d.current(ctx, "run"); err != nil || remote.calls() != 1 {
		t.Errorf("within jobFresh: %d GETs, want still 1", remote.calls())
	}
	clk.Advance(jobFresh)
	remote.jobs["run"].Status = "completed"
	if j, _ := d.current(ctx, "run"); j.Status != "completed" || remote.calls() != 2 {
		t.Errorf("after jobFresh: %q after %d GETs, want completed after 2", j.Status, remote.calls())
	}
	clk.Advance(time.Hour)
	if _, _ = d.current(ctx, "run"); remote.calls() != 2 {
		t.Errorf("finished job fetched again (%d GETs)", remote.calls())
	}
}

func TestCurrentServesTheLastSnapshotWhenTheAPIFails(t *testing.T) {
	remote := &fakeJobsRemote{jobs: map[string]*api.Job{}}
	d, _ := newTestJobsDir(t, remote)
	d.merge(1, []api.Job{job("run", "processing")})
	remote.err = &api.Error{Status: 503, Message: "down"}
	j, err := d.current(context.Background(), "run")
	if err != nil || j.Status != "processing" {
		t.Errorf("API down: %q, %v; want the last snapshot", j.Status, err)
	}
	remote.err = nil // now the API says the job is gone
	_, err = d.current(context.Background(), "run")
	if node.ToErrno(err) != syscall.ENOENT {
		t.Errorf("job gone: err %v, want ENOENT", err)
	}
	if _, ok := d.peek("run"); ok {
		t.Error("a job the API no longer has is still known")
	}
}
