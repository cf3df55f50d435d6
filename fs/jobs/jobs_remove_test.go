package jobs

// Removing a job (jobs_remove.go) against a fake Krea whose DELETE
// /jobs/{id} behaves as documented (cancel while queued or processing,
// else 400), as a deleting server, or fails.

import (
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/fs/node"
)

// fakeKrea serves jobs from a map. deleteMode: "cancel" (Krea's
// documented behaviour), "delete", or "" with deleteErr returned.
type fakeKrea struct {
	node.Remote
	mu         sync.Mutex
	jobs       map[string]*api.Job
	deleteMode string
	deleteErr  error
	requests   []string
}

func (f *fakeKrea) note(r string) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
}

func (f *fakeKrea) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeKrea) AllJobs(ctx context.Context, o api.JobListOptions) ([]api.Job, error) {
	f.note("GET /jobs")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Job
	for _, j := range f.jobs {
		out = append(out, *j)
	}
	return out, nil
}

func (f *fakeKrea) GetJob(ctx context.Context, id string) (*api.Job, error) {
	f.note("GET /jobs/" + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		return nil, &api.Error{Status: 404, Message: "Job not found"}
	}
	c := *j
	c.Raw = nil
	return &c, nil
}

func (f *fakeKrea) DeleteJob(ctx context.Context, id string) error {
	f.note("DELETE /jobs/" + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		return &api.Error{Status: 404, Message: "Job not found"}
	}
	switch f.deleteMode {
	case "cancel":
		if j.Status != api.StatusQueued && j.Status != api.StatusProcessing {
			return &api.Error{Status: 400, Message: "Job cannot be cancelled in its current state"}
		}
		j.Status = api.StatusCancelled
		now := time.Now()
		j.CompletedAt = &now
		return nil
	case "delete":
		delete(f.jobs, id)
		return nil
	}
	return f.deleteErr
}

// removeEnv is a jobs/ directory (no mount) over a fakeKrea, with a
// state dir that a second jobsDir can reuse as a remount would.
type removeEnv struct {
	d     *jobsDir
	krea  *fakeKrea
	state string
	log   *logBuffer
}

func newRemoveEnv(t *testing.T, krea *fakeKrea, state string) *removeEnv {
	t.Helper()
	store, err := cache.Open(cache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &logBuffer{}
	l := logrus.New()
	l.SetOutput(logs)
	r, err := node.NewMount(node.Config{Remote: krea, Content: store, StateDir: state, Scope: "test", Log: l, DirCacheTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return &removeEnv{d: New(r).(*jobsDir), krea: krea, state: state, log: logs}
}

func (e *removeEnv) listed(t *testing.T) []string {
	t.Helper()
	jobs, err := e.d.list(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range jobs {
		if !e.d.hiddenJobs.Has(j.JobID) {
			ids = append(ids, j.JobID)
		}
	}
	return ids
}

const (
	idRunning  = "11111111-0000-4000-8000-000000000001"
	idFinished = "11111111-0000-4000-8000-000000000002"
	idSampling = "11111111-0000-4000-8000-000000000003"
)

func newKrea(mode string) *fakeKrea {
	return &fakeKrea{deleteMode: mode, jobs: map[string]*api.Job{
		idRunning:  {JobID: idRunning, Status: api.StatusProcessing},
		idFinished: {JobID: idFinished, Status: api.StatusCompleted, Result: &api.JobResult{URLs: []string{"https://x/0.png"}}},
		idSampling: {JobID: idSampling, Status: api.StatusSampling},
	}}
}

func TestRemovingARunningJobCancelsItAndHidesIt(t *testing.T) {
	e := newRemoveEnv(t, newKrea("cancel"), t.TempDir())
	e.listed(t)
	if err := e.d.removeJob(context.Background(), idRunning); err != nil {
		t.Fatalf("remove a running job: %v", err)
	}
	j, err := e.d.current(context.Background(), idRunning)
	if err != nil || j.Status != api.StatusCancelled {
		t.Errorf("after rmdir: status %q (%v), want cancelled", j.Status, err)
	}
	if ids := e.listed(t); strings.Contains(strings.Join(ids, " "), idRunning) {
		t.Errorf("cancelled job still listed: %q", ids)
	}
	if _, err := e.d.lookupJob(context.Background(), idRunning); err != nil {
		t.Errorf("cancelled job no longer opens by id: %v", err)
	}
	if !strings.Contains(e.log.String(), "job cancelled") {
		t.Errorf("no log line for the cancel:\n%s", e.log.String())
	}
}

func TestRemovingAJobKreaKeepsHidesItAcrossRemounts(t *testing.T) {
	for _, id := range []string{idFinished, idSampling} {
		state := t.TempDir()
		krea := newKrea("cancel")
		e := newRemoveEnv(t, krea, state)
		e.listed(t)
		if err := e.d.removeJob(context.Background(), id); err != nil {
			t.Fatalf("remove %s: %v, want success", id, err)
		}
		if _, ok := krea.jobs[id]; !ok {
			t.Fatal("the fake lost the job")
		}
		if ids := e.listed(t); strings.Contains(strings.Join(ids, " "), id) {
			t.Errorf("%s still listed after rmdir: %q", id, ids)
		}
		if !strings.Contains(e.log.String(), "Krea keeps this job") {
			t.Errorf("no log line saying why the job stays:\n%s", e.log.String())
		}
		// A remount with the same state dir still hides it, and opens it.
		again := newRemoveEnv(t, krea, state)
		if ids := again.listed(t); strings.Contains(strings.Join(ids, " "), id) {
			t.Errorf("%s listed again after a remount: %q", id, ids)
		}
		if j, err := again.d.lookupJob(context.Background(), id); err != nil || j.JobID != id {
			t.Errorf("hidden job by id after a remount: %v", err)
		}
		// Another state dir (another machine) lists it.
		other := newRemoveEnv(t, krea, t.TempDir())
		if ids := other.listed(t); !strings.Contains(strings.Join(ids, " "), id) {
			t.Errorf("%s hidden on a fresh cache dir: %q", id, ids)
		}
	}
}

func TestRemovingAHiddenFinishedJobAgainSendsNothing(t *testing.T) {
	krea := newKrea("cancel")
	e := newRemoveEnv(t, krea, t.TempDir())
	e.listed(t)
	if err := e.d.removeJob(context.Background(), idFinished); err != nil {
		t.Fatal(err)
	}
	n := len(krea.seen())
	if err := e.d.removeJob(context.Background(), idFinished); err != nil {
		t.Fatal(err)
	}
	if got := krea.seen()[n:]; len(got) != 0 {
		t.Errorf("second rmdir of a hidden finished job sent %q", got)
	}
}

func TestRemovingAJobOnADeletingServerForgetsIt(t *testing.T) {
	krea := newKrea("delete")
	e := newRemoveEnv(t, krea, t.TempDir())
	e.listed(t)
	if err := e.d.removeJob(context.Background(), idFinished); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.d.peek(idFinished); ok {
		t.Error("deleted job still known")
	}
	if e.d.hiddenJobs.Has(idFinished) {
		t.Error("a deleted job is remembered as hidden")
	}
	if _, err := e.d.lookupJob(context.Background(), idFinished); node.ToErrno(err) != syscall.ENOENT {
		t.Errorf("lookup of the deleted job: %v, want ENOENT", err)
	}
}

func TestRemovingAJobAlreadyGoneSucceeds(t *testing.T) {
	krea := newKrea("cancel")
	e := newRemoveEnv(t, krea, t.TempDir())
	e.listed(t)
	krea.mu.Lock()
	delete(krea.jobs, idFinished)
	krea.mu.Unlock()
	if err := e.d.removeJob(context.Background(), idFinished); err != nil {
		t.Errorf("remove a job the API no longer has: %v, want success", err)
	}
}

func TestRemovingAJobFailsOnOtherAPIErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want syscall.Errno
	}{
		{&api.Error{Status: 503, Message: "down"}, syscall.EIO},
		{&api.Error{Status: 401, Message: "bad token"}, syscall.EACCES},
		{context.DeadlineExceeded, syscall.EIO},
	} {
		krea := newKrea("")
		krea.deleteErr = tc.err
		e := newRemoveEnv(t, krea, t.TempDir())
		e.listed(t)
		err := e.d.removeJob(context.Background(), idFinished)
		if node.ToErrno(err) != tc.want {
			t.Errorf("DELETE answering %v: errno %v, want %v", tc.err, node.ToErrno(err), tc.want)
		}
		if e.d.hiddenJobs.Has(idFinished) {
			t.Errorf("DELETE answering %v hid the job", tc.err)
		}
	}
}

func TestNamesThatCannotBeIDsCostNoRequest(t *testing.T) {
	krea := newKrea("cancel")
	e := newRemoveEnv(t, krea, t.TempDir())
	for _, name := range []string{".directory", "desktop.ini", "Thumbs.db", "autorun.inf", ".hidden", "HEAD", "x.png"} {
		if _, err := e.d.lookupJob(context.Background(), name); node.ToErrno(err) != syscall.ENOENT {
			t.Errorf("lookup %q: %v, want ENOENT", name, err)
		}
	}
	if got := krea.seen(); len(got) != 0 {
		t.Errorf("lookups of junk names sent %q", got)
	}
}
