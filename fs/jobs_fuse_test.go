package fs

// jobs/ on a real FUSE mount over the emulator, told as user stories
// (docs/jobs-and-styles.md).

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"

	"github.com/kreafs/kreafs/fs/jobs"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

const fluxDev = "/generate/image/bfl/flux-1-dev"

// unfinishedStates are the states Krea documents before a job ends.
var unfinishedStates = []string{"backlogged", "queued", "scheduled", "processing", "sampling", "intermediate-complete"}

func readDirNames(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	return names, nil
}

func hasName(dir, name string) error {
	names, err := readDirNames(dir)
	if err != nil {
		return err
	}
	if !slices.Contains(names, name) {
		return errors.New(name + " not listed in " + dir)
	}
	return nil
}

func TestJobSubmittedElsewhereShowsItsResultWhenDone(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: 2 * time.Second}, nil)
	jobs := filepath.Join(e.mnt, "jobs")
	if _, err := readDirNames(jobs); err != nil { // a listing the new job is not in
		t.Fatal(err)
	}
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "a lighthouse at dusk", "width": 512, "height": 512})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(jobs, j.JobID)

	// It appears within the listing TTL (1s here).
	waitFor(t, 3*time.Second, "job listed", func() error { return hasName(jobs, j.JobID) })

	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsDir() || !st.ModTime().Equal(j.CreatedAt) {
		t.Errorf("job dir: dir %v, mtime %v, want a directory with mtime created_at %v", st.IsDir(), st.ModTime(), j.CreatedAt)
	}
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.TrimSpace(string(status)); !slices.Contains(unfinishedStates, s) {
		t.Errorf("status of a new job = %q, want one of %q", s, unfinishedStates)
	}
	if _, err := os.Stat(filepath.Join(dir, "result-0.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("result of an unfinished job: stat err %v, want ENOENT", err)
	}

	// status moves to completed; result-0.png is listed within 5 s of
	// completion (polling status the way the docs suggest for scripts).
	waitFor(t, 10*time.Second, "status completed", func() error {
		b, err := os.ReadFile(filepath.Join(dir, "status"))
		if err != nil {
			return err
		}
		if string(b) != "completed\n" {
			return errors.New("status " + strings.TrimSpace(string(b)))
		}
		return nil
	})
	done, err := e.client.GetJob(context.Background(), j.JobID)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second-time.Since(*done.CompletedAt), "result-0.png listed after completion", func() error {
		return hasName(dir, "result-0.png")
	})

	// The bytes are exactly what a direct download of the result URL gives.
	got, err := os.ReadFile(filepath.Join(dir, "result-0.png"))
	if err != nil {
		t.Fatal(err)
	}
	if want := e.download(t, done.Result.URLs[0]); !bytes.Equal(got, want) {
		t.Errorf("result-0.png: %d bytes differ from the %d downloaded", len(got), len(want))
	}
	if !bytes.HasPrefix(got, []byte("\x89PNG")) {
		t.Error("result-0.png is not a PNG")
	}

	// job.json is the API's object, pretty-printed, and stat agrees with cat.
	jj := filepath.Join(dir, "job.json")
	b, err := os.ReadFile(jj)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(jj); err != nil || st.Size() != int64(len(b)) {
		t.Errorf("job.json: stat size %v (err %v), cat gives %d bytes", st.Size(), err, len(b))
	}
	if want := view.PrettyJSON(done.Raw, nil); !bytes.Equal(b, want) {
		t.Errorf("job.json = %s\nwant %s", b, want)
	}
	names, _ := readDirNames(dir)
	slices.Sort(names)
	if want := []string{"job.json", "result-0.png", "status"}; !slices.Equal(names, want) {
		t.Errorf("job dir holds %q, want %q", names, want)
	}
}

func TestJobWatcherNoticesCompletionWithoutReads(t *testing.T) {
	// Someone listed the job while it ran; nobody reads it again. The
	// watcher's polls bring the snapshot up to date by themselves.
	e := mountJobs(t, emulator.Options{JobDuration: time.Second}, func(c *Config) { c.DirCacheTTL = time.Hour })
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "x", "width": 512, "height": 512})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.mnt, "jobs", j.JobID)
	if _, err := readDirNames(dir); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 8*time.Second, "log line of the finished job", func() error {
		if !strings.Contains(e.log.String(), "job finished") {
			return errors.New("not yet")
		}
		return nil
	})
	// The finished snapshot is served as it is: no request needed.
	before := e.emu.Requests("/jobs/" + j.JobID)
	if err := hasName(dir, "result-0.png"); err != nil {
		t.Error(err)
	}
	if after := e.emu.Requests("/jobs/" + j.JobID); after != before {
		t.Errorf("listing a finished job cost %d requests, want 0", after-before)
	}
}

func TestFailedJobShowsFailedAndItsError(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: 500 * time.Millisecond, JobFailRate: 1}, nil)
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "x"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.mnt, "jobs", j.JobID)
	waitFor(t, 8*time.Second, "status failed", func() error {
		b, err := os.ReadFile(filepath.Join(dir, "status"))
		if err != nil {
			return err
		}
		if string(b) != "failed\n" {
			return errors.New("status " + strings.TrimSpace(string(b)))
		}
		return nil
	})
	done, err := e.client.GetJob(context.Background(), j.JobID)
	if err != nil {
		t.Fatal(err)
	}
	msg := view.JobError(done)
	if msg == "" {
		t.Fatal("the emulator's failed job carries no error")
	}
	b, err := os.ReadFile(filepath.Join(dir, "job.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), msg) {
		t.Errorf("job.json lacks the error %q:\n%s", msg, b)
	}
	names, _ := readDirNames(dir)
	slices.Sort(names)
	if want := []string{"job.json", "status"}; !slices.Equal(names, want) {
		t.Errorf("failed job holds %q, want %q", names, want)
	}
}

func TestRmROnAServerThatDeletesJobsDeletesTheJob(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: -1, JobDelete: emulator.JobDeleteRemove}, nil)
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "x", "width": 512, "height": 512})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.mnt, "jobs", j.JobID)
	waitFor(t, 3*time.Second, "result listed", func() error { return hasName(dir, "result-0.png") })
	if _, err := os.ReadFile(filepath.Join(dir, "result-0.png")); err != nil {
		t.Fatal(err)
	}
	key := node.ContentKey(jobs.ResultKey(j.JobID, 0))
	if n, _ := e.store.Has(key); n < 0 {
		t.Fatal("result not in the content cache after reading it")
	}

	out, err := kreafstest.RunCombined(kreafstest.RunTimeout, "rm", "-r", dir)
	if err != nil {
		t.Fatalf("rm -r: %v: %s", err, out)
	}
	if _, err := e.client.GetJob(context.Background(), j.JobID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("after rm -r, GET /jobs/{id}: %v, want not found", err)
	}
	if err := hasName(filepath.Join(e.mnt, "jobs"), j.JobID); err == nil {
		t.Error("deleted job still listed")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat of the deleted job: %v, want ENOENT", err)
	}
	if n, _ := e.store.Has(key); n >= 0 {
		t.Error("the deleted job's result is still in the content cache")
	}
}

func TestRmROfAFinishedJobHidesItFromLsButItStillOpens(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: -1}, nil) // Krea: DELETE of a finished job is 400
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "x", "width": 512, "height": 512})
	if err != nil {
		t.Fatal(err)
	}
	jobs := filepath.Join(e.mnt, "jobs")
	dir := filepath.Join(jobs, j.JobID)
	waitFor(t, 3*time.Second, "result listed", func() error { return hasName(dir, "result-0.png") })

	if out, err := kreafstest.RunCombined(kreafstest.RunTimeout, "rm", "-r", dir); err != nil {
		t.Fatalf("rm -r of a finished job: %v: %s", err, out)
	}
	if err := hasName(jobs, j.JobID); err == nil {
		t.Error("the removed job is still listed")
	}
	if got, err := e.client.GetJob(context.Background(), j.JobID); err != nil || got.Status != "completed" {
		t.Errorf("the job in the API after rm -r: %v %v, want it unchanged", got, err)
	}
	// Its id still opens it, with all its files.
	names, err := readDirNames(dir)
	slices.Sort(names)
	if want := []string{"job.json", "result-0.png", "status"}; err != nil || !slices.Equal(names, want) {
		t.Errorf("ls of the hidden job by id: %q %v, want %q", names, err, want)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "status")); err != nil || string(b) != "completed\n" {
		t.Errorf("status of the hidden job: %q %v", b, err)
	}
	if err := syscall.Rmdir(dir); err != nil {
		t.Errorf("rmdir of a hidden job again: %v, want success", err)
	}
	if !strings.Contains(e.log.String(), "Krea keeps this job") {
		t.Error("no log line saying Krea keeps the job")
	}
}

func TestRmROfARunningJobCancelsIt(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: time.Hour}, nil) // queued for 10 minutes
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "x", "width": 512, "height": 512})
	if err != nil {
		t.Fatal(err)
	}
	jobs := filepath.Join(e.mnt, "jobs")
	dir := filepath.Join(jobs, j.JobID)
	waitFor(t, 3*time.Second, "job listed", func() error { return hasName(jobs, j.JobID) })
	if out, err := kreafstest.RunCombined(kreafstest.RunTimeout, "rm", "-r", dir); err != nil {
		t.Fatalf("rm -r of a running job: %v: %s", err, out)
	}
	if got, err := e.client.GetJob(context.Background(), j.JobID); err != nil || got.Status != "cancelled" {
		t.Errorf("the job in the API after rm -r: %+v %v, want cancelled", got, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "status")); err != nil || string(b) != "cancelled\n" {
		t.Errorf("status after rm -r: %q %v, want cancelled", b, err)
	}
	if err := hasName(jobs, j.JobID); err == nil {
		t.Error("the cancelled job is still listed")
	}
}

func TestRmdirOfAJobDeletedElsewhereSucceeds(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: -1}, nil)
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "x", "width": 512, "height": 512})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.mnt, "jobs", j.JobID)
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	if !e.emu.RemoveJob(j.JobID) {
		t.Fatal("emulator did not remove the job")
	}
	if err := syscall.Rmdir(dir); err != nil && !errors.Is(err, syscall.ENOENT) {
		t.Errorf("rmdir of a job the API no longer has: %v, want success (or ENOENT)", err)
	}
}

func TestJobFilesAreReadOnly(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: -1}, nil)
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "x", "width": 512, "height": 512})
	if err != nil {
		t.Fatal(err)
	}
	jobs := filepath.Join(e.mnt, "jobs")
	dir := filepath.Join(jobs, j.JobID)
	waitFor(t, 3*time.Second, "result listed", func() error { return hasName(dir, "result-0.png") })
	for _, tc := range []struct {
		what string
		op   func() error
	}{
		{"write job.json", func() error { return os.WriteFile(filepath.Join(dir, "job.json"), []byte("x"), 0o644) }},
		{"write a result", func() error {
			f, err := os.OpenFile(filepath.Join(dir, "result-0.png"), os.O_WRONLY, 0)
			if err == nil {
				f.Close()
			}
			return err
		}},
		{"truncate status", func() error { return os.Truncate(filepath.Join(dir, "status"), 0) }},
		{"create a file in a job", func() error { return os.WriteFile(filepath.Join(dir, "new.txt"), []byte("x"), 0o644) }},
		{"mkdir in a job", func() error { return os.Mkdir(filepath.Join(dir, "d"), 0o755) }},
		{"rename a job", func() error { return os.Rename(dir, filepath.Join(jobs, "other")) }},
		{"rename a job file", func() error { return os.Rename(filepath.Join(dir, "status"), filepath.Join(dir, "s")) }},
	} {
		if err := tc.op(); !errors.Is(err, syscall.EPERM) {
			t.Errorf("%s: %v, want EPERM", tc.what, err)
		}
	}
	// rm of one file hides it from this mount only; the job stays.
	if err := os.Remove(filepath.Join(dir, "status")); err != nil {
		t.Fatalf("rm status: %v", err)
	}
	if err := hasName(dir, "status"); err == nil {
		t.Error("status still listed after rm")
	}
	if _, err := e.client.GetJob(context.Background(), j.JobID); err != nil {
		t.Errorf("rm of a job file touched the job: %v", err)
	}
}

func TestReadOnlyMountRefusesJobChanges(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: -1, SeedJobs: 3}, func(c *Config) { c.ReadOnly = true })
	jobs := filepath.Join(e.mnt, "jobs")
	names, err := readDirNames(jobs)
	if err != nil || len(names) == 0 {
		t.Fatalf("ls jobs: %v %v", names, err)
	}
	if err := syscall.Rmdir(filepath.Join(jobs, names[0])); !errors.Is(err, syscall.EROFS) {
		t.Errorf("rmdir on a read-only mount: %v, want EROFS", err)
	}
	if err := os.Mkdir(filepath.Join(jobs, "x"), 0o755); !errors.Is(err, syscall.EROFS) {
		t.Errorf("mkdir on a read-only mount: %v, want EROFS", err)
	}
	if _, err := e.client.GetJob(context.Background(), names[0]); err != nil {
		t.Errorf("job gone after a refused rmdir: %v", err)
	}
}

func TestJobListFollowsEveryPage(t *testing.T) {
	e := mountJobs(t, emulator.Options{SeedJobs: 1100}, nil)
	names, err := readDirNames(filepath.Join(e.mnt, "jobs"))
	if err != nil {
		t.Fatal(err)
	}
	want := e.emu.Jobs()
	if len(want) < 1100 {
		t.Fatalf("emulator seeded %d jobs, want >= 1100", len(want))
	}
	got := map[string]bool{}
	for _, n := range names {
		if got[n] {
			t.Errorf("%s listed twice", n)
		}
		got[n] = true
	}
	for _, j := range want {
		if !got[j.JobID] {
			t.Errorf("job %s missing from ls jobs/", j.JobID)
		}
	}
	if len(names) != len(want) {
		t.Errorf("ls jobs/ shows %d entries, the API has %d jobs", len(names), len(want))
	}
}

func TestTrainingJobLinksToItsStyle(t *testing.T) {
	e := mountJobs(t, emulator.Options{JobDuration: 500 * time.Millisecond}, nil)
	j, err := e.client.TrainStyle(context.Background(), api.TrainRequest{Name: "My Trained Look", URLs: []string{"https://example.com/a.png"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.mnt, "jobs", j.JobID)
	waitFor(t, 8*time.Second, "style link listed", func() error { return hasName(dir, "style") })
	done, err := e.client.GetJob(context.Background(), j.JobID)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "style")
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatal(err)
	}
	if want := "../../styles/" + done.Result.StyleID; target != want {
		t.Errorf("style -> %q, want %q", target, want)
	}
	st, err := os.Stat(link) // through the link
	if err != nil {
		t.Fatalf("stat through the style link: %v", err)
	}
	if !st.IsDir() {
		t.Error("style link does not lead to a directory")
	}
	b, err := os.ReadFile(filepath.Join(link, "style.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), done.Result.StyleID) || !strings.Contains(string(b), "My Trained Look") {
		t.Errorf("style.json through the link:\n%s", b)
	}
}

// Unmounting while a running job is being watched ends the watcher: no
// goroutine of ours is left behind.
func TestUnmountWhileWatchingAJobLeavesNoGoroutines(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	e := mountJobs(t, emulator.Options{JobDuration: time.Hour}, nil)
	j, err := e.client.Generate(context.Background(), fluxDev, map[string]any{"prompt": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readDirNames(filepath.Join(e.mnt, "jobs", j.JobID)); err != nil {
		t.Fatal(err)
	}
	if d := e.root.GetChild("jobs").Operations().(interface{ Watched(id string) bool }); !d.Watched(j.JobID) {
		t.Fatal("the running job someone listed is not watched")
	}
	e.unmount()
	e.emu.Close()
	goleak.VerifyNone(t, ignore,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("internal/poll.runtime_pollWait"))
}
