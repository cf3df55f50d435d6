package fs

// Every state of a job's life as Krea documents it, on a real mount: the
// status file shows each one (and one nobody documented) verbatim, a job
// in an unknown state keeps being polled, and an intermediate result is
// readable while the job runs (docs/jobs-and-styles.md).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// scriptedJobs is the emulator's client with jobs whose state the test
// sets: GET /jobs and GET /jobs/{id} answer them in Krea's documented
// shapes ("type", "result": {} while running, "completed_at": null).
type scriptedJobs struct {
	*api.Client
	mu   sync.Mutex
	jobs map[string]api.Job
	gets map[string]int
}

func (s *scriptedJobs) set(id, status string, urls ...string) {
	created := time.Date(2026, 2, 13, 2, 20, 58, 265e6, time.UTC)
	obj := map[string]any{"job_id": id, "status": status, "type": "externalImage",
		"created_at": created.Format(time.RFC3339Nano), "completed_at": nil, "result": map[string]any{}}
	if len(urls) > 0 {
		obj["result"] = map[string]any{"urls": urls}
	}
	j := api.Job{JobID: id, Status: status, CreatedAt: created, Result: &api.JobResult{URLs: urls}}
	if j.Finished() {
		done := created.Add(11 * time.Second)
		obj["completed_at"] = done.Format(time.RFC3339Nano)
		j.CompletedAt = &done
	}
	j.Raw, _ = json.Marshal(obj)
	s.mu.Lock()
	s.jobs[id] = j
	s.mu.Unlock()
}

func (s *scriptedJobs) polls(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[id]
}

func (s *scriptedJobs) AllJobs(ctx context.Context, o api.JobListOptions) ([]api.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []api.Job
	for _, j := range s.jobs {
		out = append(out, j)
	}
	return out, nil
}

func (s *scriptedJobs) GetJob(ctx context.Context, id string) (*api.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets[id]++
	j, ok := s.jobs[id]
	if !ok {
		return nil, &api.Error{Status: 404, Message: "Job not found"}
	}
	return &j, nil
}

func mountScripted(t *testing.T, assets int) (*jobsEnv, *scriptedJobs) {
	t.Helper()
	var sj *scriptedJobs
	m := mountFS(t, mountSetup{emu: emulator.Options{SeedAssets: assets}, remote: func(c *api.Client) Remote {
		sj = &scriptedJobs{Client: c, jobs: map[string]api.Job{}, gets: map[string]int{}}
		return sj
	}, cfg: func(c *Config) {
		c.Clock = time.Now
		c.DirCacheTTL = time.Second
	}})
	return &jobsEnv{testMount: m, mnt: m.dir, log: &logBuffer{}}, sj
}

func readStatus(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "status"))
	return strings.TrimSuffix(string(b), "\n"), err
}

func waitStatus(t *testing.T, dir, want string) {
	t.Helper()
	waitFor(t, 5*time.Second, "status "+want, func() error {
		got, err := readStatus(dir)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("status %q", got)
		}
		return nil
	})
}

func namesWithPrefix(dir, prefix string) []string {
	names, _ := readDirNames(dir)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

func TestStatusShowsEveryDocumentedStateAndAnUnknownOneVerbatim(t *testing.T) {
	e, sj := mountScripted(t, 0)
	const id = "4d0e5f97-9721-4422-b88c-73a9032d7de1"
	dir := filepath.Join(e.mnt, "jobs", id)
	for _, st := range []string{"backlogged", "queued", "scheduled", "processing", "sampling", "upscaling"} {
		sj.set(id, st)
		waitStatus(t, dir, st)
	}
	// Nobody reads it now: the watcher keeps polling the unknown state.
	before := sj.polls(id)
	time.Sleep(6 * time.Second)
	if after := sj.polls(id); after < before+1 {
		t.Errorf("a job in an unknown state was polled %d times in 6 s, want at least 1", after-before)
	}
	for i, st := range []string{"completed", "failed", "cancelled"} {
		other := fmt.Sprintf("4d0e5f97-9721-4422-b88c-73a9032d7de%d", i+2)
		sj.set(other, st)
		waitStatus(t, filepath.Join(e.mnt, "jobs", other), st)
	}
	b, err := os.ReadFile(filepath.Join(dir, "job.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"type": "externalImage"`, `"completed_at": null`, `"result": {}`, `"status": "upscaling"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("job.json lacks %s:\n%s", want, b)
		}
	}
}

func TestIntermediateResultIsReadableWhileTheJobRuns(t *testing.T) {
	e, sj := mountScripted(t, 2)
	assets := e.emu.Assets()
	if len(assets) < 2 {
		t.Fatalf("emulator seeded %d assets", len(assets))
	}
	first, final := assets[0].ImageURL, assets[1].ImageURL
	const id = "0b5c1f4e-1111-4222-8333-444455556666"
	dir := filepath.Join(e.mnt, "jobs", id)

	sj.set(id, "processing")
	waitStatus(t, dir, "processing")
	if got := namesWithPrefix(dir, "intermediate-"); len(got) != 0 {
		t.Errorf("a processing job without a result shows %q", got)
	}

	sj.set(id, "intermediate-complete", first)
	waitFor(t, 5*time.Second, "intermediate-0 listed", func() error {
		if len(namesWithPrefix(dir, "intermediate-0.")) != 1 {
			return errors.New("not yet")
		}
		return nil
	})
	name := namesWithPrefix(dir, "intermediate-0.")[0]
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if want := e.download(t, first); !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes differ from the %d of the intermediate URL", name, len(got), len(want))
	}
	if r := namesWithPrefix(dir, "result-"); len(r) != 0 {
		t.Errorf("a running job shows %q", r)
	}
	if s, _ := readStatus(dir); s != "intermediate-complete" {
		t.Errorf("status %q, want intermediate-complete", s)
	}

	sj.set(id, "completed", final)
	waitFor(t, 5*time.Second, "result-0 listed, intermediate gone", func() error {
		if len(namesWithPrefix(dir, "result-0.")) != 1 || len(namesWithPrefix(dir, "intermediate-")) != 0 {
			names, _ := readDirNames(dir)
			return fmt.Errorf("job holds %q", names)
		}
		return nil
	})
	res := namesWithPrefix(dir, "result-0.")[0]
	got, err = os.ReadFile(filepath.Join(dir, res))
	if err != nil {
		t.Fatal(err)
	}
	if want := e.download(t, final); !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes differ from the %d of the final URL", res, len(got), len(want))
	}
	if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat of %s after completion: %v, want ENOENT", name, err)
	}
	names, _ := readDirNames(dir)
	slices.Sort(names)
	if want := []string{"job.json", res, "status"}; !slices.Equal(names, want) {
		t.Errorf("completed job holds %q, want %q", names, want)
	}
}
