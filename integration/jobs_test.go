//go:build linux

package integration

// jobs/ as a user meets it (docs/jobs-and-styles.md, "jobs/"): generations
// started with curl show up as folders, their status moves on, results
// appear as files without a remount, rm -r deletes a job, and jobs/ refuses
// what it cannot mean.

import (
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// jobView is the part of job.json (and GET /jobs/{id}) the stories check.
type jobView struct {
	JobID       string     `json:"job_id"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Result      *struct {
		URLs    []string `json:"urls"`
		StyleID string   `json:"style_id"`
		Error   string   `json:"error"`
	} `json:"result"`
}

// statAgreesWithCat checks that `stat -c %s` of a job.json and the bytes
// cat gives agree. A job can change between the two calls, so the sample
// counts only when two stats around the cat agree; it returns the status
// the sample read, or "" when the job changed meanwhile.
func statAgreesWithCat(t testing.TB, file string) string {
	t.Helper()
	before := strings.TrimSpace(run(t, "stat", "-c", "%s", file))
	content := run(t, "cat", file)
	after := strings.TrimSpace(run(t, "stat", "-c", "%s", file))
	if before != after {
		return ""
	}
	if n := strconv.Itoa(len(content)); n != before {
		t.Errorf("stat -c %%s %s says %s bytes, cat gives %s:\n%s", file, before, n, content)
	}
	var j jobView
	catJSON(t, file, &j)
	return j.Status
}

func TestJobSubmittedWithCurlShowsItsResultWithoutRemount(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	const ttl = time.Second
	emu := startEmulator(t, emulator.Options{JobDuration: 3 * time.Second})
	m := mount(t, emu, "--dir-cache-ttl", ttl.String())
	jobs := m.Path("jobs")
	if names := lsNames(t, jobs); len(names) != 0 { // a listing without the job
		t.Fatalf("ls jobs/ of a fresh account: %q", names)
	}

	id := submitJob(t, emu, fluxDev, `{"prompt":"a lighthouse at dusk","width":512,"height":512}`)
	submitted := time.Now()
	// Within the listing TTL (plus room for a loaded CI machine).
	if err := listedWithin(t, jobs, id, ttl+2*time.Second); err != nil {
		t.Fatalf("%v %v after the POST (--dir-cache-ttl %v)", err, time.Since(submitted).Round(time.Millisecond), ttl)
	}
	t.Logf("job listed %v after the POST", time.Since(submitted).Round(time.Millisecond))

	dir := m.Path("jobs", id)
	if s := strings.TrimSpace(run(t, "cat", m.Path("jobs", id, "status"))); !slices.Contains(unfinishedStates, s) {
		t.Errorf("status of a job just submitted = %q, want one of %q", s, unfinishedStates)
	}
	// stat and cat of job.json agree while the job runs.
	sawRunning := false
	for i := 0; i < 5 && !sawRunning; i++ {
		s := statAgreesWithCat(t, m.Path("jobs", id, "job.json"))
		sawRunning = slices.Contains(unfinishedStates, s)
	}
	if !sawRunning {
		t.Errorf("could not compare stat and cat of job.json while the job ran")
	}
	if names := lsNames(t, dir); slices.Contains(names, "result-0.png") {
		t.Errorf("a running job lists its result: %q", names)
	}

	waitStatus(t, m, id, "completed", 20*time.Second)
	statusSaidCompleted := time.Now()
	var j jobView
	catJSON(t, m.Path("jobs", id, "job.json"), &j)
	if j.Status != "completed" || j.CompletedAt == nil || j.Result == nil || len(j.Result.URLs) != 1 {
		t.Fatalf("job.json after status says completed: %+v", j)
	}
	// job.json is the API's object (pretty-printed).
	api, code := apiCurl(t, emu, "GET", "/jobs/"+id, "")
	if code != 200 {
		t.Fatalf("curl GET /jobs/%s: HTTP %d", id, code)
	}
	if same, err := sameJSON([]byte(run(t, "cat", m.Path("jobs", id, "job.json"))), api); err != nil || !same {
		t.Errorf("job.json differs from curl GET /jobs/%s (%v):\n%s", id, err, api)
	}

	// result-0.png is listed within 5 s of completion, by the same mount.
	sinceDone := time.Since(*j.CompletedAt)
	if err := listedWithin(t, dir, "result-0.png", 5*time.Second-sinceDone); err != nil {
		t.Fatalf("%v %v after completed_at", err, time.Since(*j.CompletedAt).Round(time.Millisecond))
	}
	t.Logf("result-0.png listed %v after completed_at (status read completed %v after it)",
		time.Since(*j.CompletedAt).Round(time.Millisecond), statusSaidCompleted.Sub(*j.CompletedAt).Round(time.Millisecond))
	if names := lsNames(t, dir); !slices.Equal(names, []string{"job.json", "result-0.png", "status"}) {
		t.Errorf("ls of a completed job: %q", names)
	}
	result := m.Path("jobs", id, "result-0.png")
	cmpWithCurl(t, j.Result.URLs[0], result)
	if _, err := exec.LookPath("identify"); err == nil {
		if out := run(t, "identify", result); !strings.Contains(out, "PNG 512x512") {
			t.Errorf("identify %s: %q, want a 512x512 PNG", result, out)
		}
	}
	if s := statAgreesWithCat(t, m.Path("jobs", id, "job.json")); s != "completed" {
		t.Errorf("stat/cat of a finished job.json: status %q", s)
	}
}

func TestWatchedJobShowsItsResultWithoutAnyoneReadingIt(t *testing.T) {
	// A user lists a running job once and walks away; when they come back
	// after it finished, ls shows the result from what the watcher fetched.
	t.Parallel()
	needProgram(t, "curl")
	emu := startEmulator(t, emulator.Options{JobDuration: time.Second})
	m := mount(t, emu, "--dir-cache-ttl", "1h")
	id := submitJob(t, emu, fluxDev, `{"prompt":"a quiet harbour","width":512,"height":512}`)
	if names := lsNames(t, m.Path("jobs", id)); slices.Contains(names, "result-0.png") {
		t.Fatalf("ls of a job just submitted lists its result: %q", names)
	}

	// The watcher polls 2 s after the look, then every few seconds; the
	// mount logs the job's end.
	err := eventually(15*time.Second, func() error {
		for _, line := range strings.Split(m.Stderr(), "\n") {
			if strings.Contains(line, "job finished") && strings.Contains(line, id) {
				return nil
			}
		}
		return fmt.Errorf("no \"job finished\" log line for %s", id)
	})
	if err != nil {
		t.Fatal(err)
	}
	before := emu.Requests("/jobs/" + id)
	if names := lsNames(t, m.Path("jobs", id)); !slices.Equal(names, []string{"job.json", "result-0.png", "status"}) {
		t.Errorf("ls of the finished job: %q", names)
	}
	if s := run(t, "cat", m.Path("jobs", id, "status")); s != "completed\n" {
		t.Errorf("status of the finished job: %q", s)
	}
	if n := emu.Requests("/jobs/"+id) - before; n != 0 {
		t.Errorf("ls and cat of a job the watcher saw finish sent %d GET /jobs/{id}, want 0", n)
	}
	var j jobView
	catJSON(t, m.Path("jobs", id, "job.json"), &j)
	if j.Result == nil || len(j.Result.URLs) != 1 {
		t.Fatalf("job.json of the finished job: %+v", j)
	}
	cmpWithCurl(t, j.Result.URLs[0], m.Path("jobs", id, "result-0.png"))
}

func TestFailedJobShowsFailedAndItsErrorInJobJSON(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	emu := startEmulator(t, emulator.Options{JobDuration: time.Second, JobFailRate: 1})
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	id := submitJob(t, emu, fluxDev, `{"prompt":"this one fails"}`)

	waitStatus(t, m, id, "failed", 20*time.Second)
	if s := run(t, "cat", m.Path("jobs", id, "status")); s != "failed\n" {
		t.Errorf("status = %q, want \"failed\\n\"", s)
	}
	var fromAPI, fromMount jobView
	apiJSON(t, emu, "GET", "/jobs/"+id, "", &fromAPI)
	catJSON(t, m.Path("jobs", id, "job.json"), &fromMount)
	if fromAPI.Result == nil || fromAPI.Result.Error == "" {
		t.Fatalf("the emulator's failed job has no error: %+v", fromAPI)
	}
	if fromMount.Result == nil || fromMount.Result.Error != fromAPI.Result.Error {
		t.Errorf("job.json of a failed job: %+v, want result.error %q", fromMount.Result, fromAPI.Result.Error)
	}
	if names := lsNames(t, m.Path("jobs", id)); !slices.Equal(names, []string{"job.json", "status"}) {
		t.Errorf("ls of a failed job: %q, want job.json and status", names)
	}
}

func TestLsTSortsJobsByCreatedAt(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	emu := startEmulator(t, emulator.Options{SeedJobs: 12, JobDuration: time.Second})
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	jobs := m.Path("jobs")
	run(t, "ls", jobs)
	// Two new ones, a little apart.
	a := submitJob(t, emu, fluxDev, `{"prompt":"first"}`)
	b := submitJob(t, emu, fluxDev, `{"prompt":"second"}`)
	for _, id := range []string{a, b} {
		if err := listedWithin(t, jobs, id, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}

	// The emulator lists newest first by created_at; all differ here.
	var want []string
	created := map[string]time.Time{}
	for _, j := range emu.Jobs() {
		want = append(want, j.JobID)
		created[j.JobID] = j.CreatedAt
	}
	if got := lsNames(t, jobs, "-t"); !slices.Equal(got, want) {
		t.Errorf("ls -t jobs/:\n%q\nwant newest first:\n%q", got, want)
	}
	slices.Reverse(want)
	if got := lsNames(t, jobs, "-tr"); !slices.Equal(got, want) {
		t.Errorf("ls -tr jobs/:\n%q\nwant oldest first:\n%q", got, want)
	}
	for _, e := range lsLong(t, jobs) {
		if c, ok := created[e.name]; !ok || e.mtime != c.Unix() || !strings.HasPrefix(e.mode, "d") {
			t.Errorf("ls -l jobs/: %s %s mtime %d, want a directory with mtime created_at %d", e.mode, e.name, e.mtime, c.Unix())
		}
	}
}

func TestJobsListsEveryJobAcrossPages(t *testing.T) {
	t.Parallel()
	// More than one page even at the API's largest page size (1000).
	const n = 1100
	emu := startEmulator(t, emulator.Options{SeedJobs: n})
	m := mount(t, emu)
	want := emu.Jobs()
	if len(want) != n {
		t.Fatalf("the emulator seeded %d jobs, want %d", len(want), n)
	}
	got := lsNames(t, m.Path("jobs"), "-t")
	if len(got) != n {
		t.Errorf("ls jobs/ lists %d jobs, want %d", len(got), n)
	}
	listed := map[string]bool{}
	for _, name := range got {
		listed[name] = true
	}
	for _, j := range want {
		if !listed[j.JobID] {
			t.Errorf("ls jobs/ lacks job %s (created %v)", j.JobID, j.CreatedAt)
		}
	}
	// All created_at differ (running seeds by microseconds), so ls -t has
	// exactly the API's order, across the page boundary too.
	for i := range min(len(got), len(want)) {
		if got[i] != want[i].JobID {
			t.Errorf("ls -t jobs/: entry %d is %s, want %s (created %v)", i, got[i], want[i].JobID, want[i].CreatedAt)
			break
		}
	}
}

// hasJob reports whether the emulator still holds the job.
func hasJob(emu *Emulator, id string) bool {
	for _, j := range emu.Jobs() {
		if j.JobID == id {
			return true
		}
	}
	return false
}

// A server that deletes jobs (the bundled spec's "deleted successfully",
// the emulator's --job-delete delete): rm -r deletes them in the API.
// Krea's documented behaviour is in jobs_styles_krea_test.go.
func TestRmROnAServerThatDeletesJobsDeletesThemInTheAPI(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	// Seeds: job 0 still running, 1 completed, 5 failed.
	emu := startEmulator(t, emulator.Options{SeedJobs: 10, JobDuration: time.Hour, JobDelete: emulator.JobDeleteRemove})
	seeded := emu.Jobs()
	running, completed, failed := seeded[0].JobID, "", ""
	for _, j := range seeded {
		switch {
		case j.Status == "completed" && completed == "":
			completed = j.JobID
		case j.Status == "failed" && failed == "":
			failed = j.JobID
		}
	}
	if completed == "" || failed == "" || seeded[0].Status != "queued" {
		t.Fatalf("unexpected seed: %+v", seeded)
	}
	m := mount(t, emu, "--dir-cache-ttl", "1h")
	run(t, "ls", m.Path("jobs"))
	run(t, "cat", m.Path("jobs", completed, "result-0.png")) // cached, to be gone too

	for _, tc := range []struct{ what, id string }{
		{"a completed job", completed},
		{"a failed job", failed},
		{"a running job (cancelled)", running},
	} {
		run(t, "rm", "-r", m.Path("jobs", tc.id))
		if hasJob(emu, tc.id) {
			t.Errorf("rm -r of %s left it in the API", tc.what)
		}
		if out, code := apiCurl(t, emu, "GET", "/jobs/"+tc.id, ""); code != 404 {
			t.Errorf("curl GET /jobs/{id} after rm -r of %s: HTTP %d %s, want 404", tc.what, code, out)
		}
		// Gone from the listing at once (the TTL is an hour).
		if names := lsNames(t, m.Path("jobs")); slices.Contains(names, tc.id) {
			t.Errorf("ls jobs/ after rm -r of %s still lists it", tc.what)
		}
		if _, stderr, err := runErr(t, "stat", m.Path("jobs", tc.id)); err == nil || !strings.Contains(stderr, "No such file or directory") {
			t.Errorf("stat of %s after rm -r: %v %q, want ENOENT", tc.what, err, stderr)
		}
	}
	if n := len(emu.Jobs()); n != len(seeded)-3 {
		t.Errorf("%d jobs left in the API after three rm -r, want %d", n, len(seeded)-3)
	}
}

func TestJobsRefuseMkdirWritesAndRenames(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{SeedJobs: 3})
	m := mount(t, emu)
	id := emu.Jobs()[1].JobID // completed
	jobJSON := m.Path("jobs", id, "job.json")
	before := run(t, "cat", jobJSON)

	const eperm = "Operation not permitted"
	for _, tc := range []struct {
		what string
		args []string
	}{
		{"mkdir in a job", []string{"mkdir", m.Path("jobs", id, "sub")}},
		{"append to job.json", []string{"sh", "-c", `echo extra >> "$1"`, "sh", jobJSON}},
		{"overwrite status", []string{"sh", "-c", `echo completed > "$1"`, "sh", m.Path("jobs", id, "status")}},
		{"write result-0.png with dd", []string{"dd", "if=/dev/zero", "of=" + m.Path("jobs", id, "result-0.png"), "bs=1", "count=1", "conv=notrunc"}},
		{"truncate result-0.png", []string{"truncate", "-s", "0", m.Path("jobs", id, "result-0.png")}},
		{"touch job.json", []string{"touch", jobJSON}},
		{"create a file in a job", []string{"touch", m.Path("jobs", id, "notes.txt")}},
		{"mv a job", []string{"mv", m.Path("jobs", id), m.Path("jobs", "renamed")}},
	} {
		_, stderr, err := runErr(t, tc.args[0], tc.args[1:]...)
		if err == nil || !strings.Contains(stderr, eperm) {
			t.Errorf("%s: %v %q, want %q", tc.what, err, strings.TrimSpace(stderr), eperm)
		}
	}
	if after := run(t, "cat", jobJSON); after != before {
		t.Errorf("job.json changed after refused writes:\n%s\nwas:\n%s", after, before)
	}
	if names := lsNames(t, m.Path("jobs", id)); !slices.Equal(names, []string{"job.json", "result-0.png", "status"}) {
		t.Errorf("ls of the job after refused changes: %q", names)
	}
	if names := lsNames(t, m.Path("jobs")); len(names) != 3 || slices.Contains(names, "x") || slices.Contains(names, "renamed") {
		t.Errorf("ls jobs/ after refused changes: %q", names)
	}
}

func TestReadOnlyMountRefusesRmOfAJobAndMvOfAStyle(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{SeedJobs: 3, SeedStyles: 1})
	m := mount(t, emu, "--read-only")
	id := emu.Jobs()[1].JobID

	const erofs = "Read-only file system"
	for _, args := range [][]string{
		{"rm", "-r", m.Path("jobs", id)},
		{"rmdir", m.Path("jobs", id)},
		{"mkdir", m.Path("jobs", "x")},
		{"mv", m.Path("styles", "Style 0"), m.Path("styles", "Renamed")},
	} {
		_, stderr, err := runErr(t, args[0], args[1:]...)
		if err == nil || !strings.Contains(stderr, erofs) {
			t.Errorf("%s on a --read-only mount: %v %q, want %q", strings.Join(args, " "), err, strings.TrimSpace(stderr), erofs)
		}
	}
	if !hasJob(emu, id) {
		t.Errorf("rm -r on a --read-only mount deleted the job")
	}
	if names := lsNames(t, m.Path("jobs", id)); !slices.Equal(names, []string{"job.json", "result-0.png", "status"}) {
		t.Errorf("ls of the job after a refused rm -r: %q", names)
	}
	if names := lsNames(t, m.Path("styles")); !slices.Equal(names, []string{"Style 0"}) {
		t.Errorf("ls styles/ after a refused mv: %q", names)
	}
}
