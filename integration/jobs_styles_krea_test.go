//go:build linux

package integration

// jobs/ and styles/ against Krea as documented (docs/jobs-and-styles.md,
// "Removing a job", "Names that cannot be ids", and mv of a style): the
// emulator's default is Krea's documented behaviour (DELETE cancels only
// queued or processing jobs; PATCH refuses a title) and its switches the
// other plausible ones. Real rm, ls, cat, stat and mv.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// unfinishedStates are the states Krea documents before a job ends.
var unfinishedStates = []string{"backlogged", "queued", "scheduled", "processing", "sampling", "intermediate-complete"}

// emuJobStatus is the job's status in the emulator ("" when it has none).
func emuJobStatus(emu *Emulator, id string) string {
	for _, j := range emu.Jobs() {
		if j.JobID == id {
			return j.Status
		}
	}
	return ""
}

func catStatus(t testing.TB, m *Mount, id string) string {
	t.Helper()
	return strings.TrimSpace(run(t, "cat", m.Path("jobs", id, "status")))
}

func TestRmROfARunningJobCancelsIt(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{emulator.JobDeleteCancel, emulator.JobDeleteCancelPending} {
		// Seed job 0 runs for an hour: queued for its first 10 minutes.
		emu := startEmulator(t, emulator.Options{SeedJobs: 3, JobDuration: time.Hour, JobDelete: mode})
		running := emu.Jobs()[0].JobID
		m := mount(t, emu, "--dir-cache-ttl", "1h")
		if names := lsNames(t, m.Path("jobs")); !slices.Contains(names, running) {
			t.Fatalf("%s: running job not listed: %q", mode, names)
		}
		if s := catStatus(t, m, running); !slices.Contains(unfinishedStates, s) {
			t.Fatalf("%s: status of the running job %q", mode, s)
		}

		run(t, "rm", "-r", m.Path("jobs", running)) // fails the test unless rm exits 0

		if s := emuJobStatus(emu, running); s != "cancelled" {
			t.Errorf("%s: the emulator has the job %q after rm -r, want cancelled", mode, s)
		}
		if s := catStatus(t, m, running); s != "cancelled" {
			t.Errorf("%s: cat status after rm -r = %q, want cancelled", mode, s)
		}
		if names := lsNames(t, m.Path("jobs")); slices.Contains(names, running) {
			t.Errorf("%s: ls jobs/ still lists the cancelled job: %q", mode, names)
		}
		if !strings.Contains(m.Logs(), "job cancelled") {
			t.Errorf("%s: no log line for the cancel", mode)
		}
	}
}

func TestRmROfAFinishedJobHidesItAcrossRemountsAndItStillOpensByID(t *testing.T) {
	t.Parallel()
	// Seeds: job 1 completed, job 5 failed.
	emu := startEmulator(t, emulator.Options{SeedJobs: 6, JobDuration: -1})
	seeded := emu.Jobs()
	completed, failed := seeded[1].JobID, seeded[5].JobID
	if seeded[1].Status != "completed" || seeded[5].Status != "failed" {
		t.Fatalf("unexpected seed: %s %s", seeded[1].Status, seeded[5].Status)
	}
	cacheDir := filepath.Join(t.TempDir(), "cache")
	m := mountWith(t, emu, mountOpts{CacheDir: cacheDir, Flags: []string{"--dir-cache-ttl", "1h"}})
	before := lsNames(t, m.Path("jobs"))
	if !slices.Contains(before, completed) || !slices.Contains(before, failed) {
		t.Fatalf("ls jobs/ lacks the seeded jobs: %q", before)
	}

	for _, id := range []string{completed, failed} {
		run(t, "rm", "-r", m.Path("jobs", id)) // exit 0, though Krea keeps the job
	}
	check := func(m *Mount, when string) {
		t.Helper()
		names := lsNames(t, m.Path("jobs"))
		if slices.Contains(names, completed) || slices.Contains(names, failed) {
			t.Errorf("%s: ls jobs/ lists a removed job: %q", when, names)
		}
		if len(names) != len(before)-2 {
			t.Errorf("%s: ls jobs/ shows %d jobs, want %d", when, len(names), len(before)-2)
		}
		// The id still opens it, with all its files.
		if got := lsNames(t, m.Path("jobs", completed)); !slices.Equal(got, []string{"job.json", "result-0.png", "status"}) {
			t.Errorf("%s: ls jobs/<completed id> = %q", when, got)
		}
		if s := catStatus(t, m, completed); s != "completed" {
			t.Errorf("%s: status of the hidden completed job %q", when, s)
		}
		if s := catStatus(t, m, failed); s != "failed" {
			t.Errorf("%s: status of the hidden failed job %q", when, s)
		}
		run(t, "stat", m.Path("jobs", completed, "result-0.png"))
	}
	check(m, "after rm -r")
	if !strings.Contains(m.Logs(), "Krea keeps this job") {
		t.Error("no log line saying that Krea keeps the job and it is hidden")
	}
	for _, id := range []string{completed, failed} {
		if !hasJob(emu, id) {
			t.Errorf("rm -r removed job %s from the emulator", id)
		}
	}
	// rm -r again (by id) succeeds too.
	run(t, "rm", "-r", m.Path("jobs", completed))

	// The hiding is private to this user.
	state := filepath.Join(cacheDir, "state")
	files, _ := filepath.Glob(filepath.Join(state, "hidden-jobs-*.json"))
	if len(files) != 1 {
		t.Fatalf("hidden-jobs files in %s: %q", state, files)
	}
	for path, want := range map[string]os.FileMode{state: 0o700, files[0]: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, want)
		}
	}

	m.Stop()
	again := mountWith(t, emu, mountOpts{CacheDir: cacheDir, Flags: []string{"--dir-cache-ttl", "1h"}})
	check(again, "after a remount")

	// Another cache dir (another machine) lists them.
	other := mount(t, emu)
	if names := lsNames(t, other.Path("jobs")); !slices.Contains(names, completed) || !slices.Contains(names, failed) {
		t.Errorf("a mount with a fresh cache dir hides the jobs: %q", names)
	}
}

func TestProbeNamesInJobsAndStylesAreENOENTWithoutARequest(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{SeedJobs: 3, SeedStyles: 3, JobDuration: -1})
	m := mount(t, emu, "--dir-cache-ttl", "1h")
	// A file manager lists, then probes.
	for _, d := range []string{"jobs", "styles", "styles/.by-id"} {
		lsNames(t, m.Path(d))
	}
	apiBefore := emu.Requests("/jobs") + emu.Requests("/styles")
	probes := []string{".directory", "desktop.ini", "Thumbs.db", "autorun.inf", ".hidden", ".DS_Store", "HEAD", "folder.jpg"}
	for _, d := range []string{"jobs", "styles", "styles/.by-id"} {
		for _, name := range probes {
			_, stderr, err := runErr(t, "stat", m.Path(d, name))
			if err == nil || !strings.Contains(stderr, "No such file or directory") {
				t.Errorf("stat %s/%s: %v %q, want ENOENT", d, name, err, strings.TrimSpace(stderr))
			}
		}
	}
	for _, name := range probes {
		for _, p := range []string{"/jobs/" + name, "/styles/" + name} {
			if n := emu.Requests(p); n != 0 {
				t.Errorf("the emulator got %d requests for %s", n, p)
			}
		}
	}
	if after := emu.Requests("/jobs") + emu.Requests("/styles"); after != apiBefore {
		t.Errorf("probing %d names cost %d API requests, want 0", 3*len(probes), after-apiBefore)
	}
	// An id-shaped name the listing lacks is still asked for (and ENOENT).
	const unknown = "0b5c1f4e-1111-4222-8333-444455556666"
	if _, _, err := runErr(t, "stat", m.Path("jobs", unknown)); err == nil {
		t.Error("stat of an unknown job id succeeded")
	}
	if emu.Requests("/jobs/"+unknown) == 0 {
		t.Error("an id-shaped name was not asked for")
	}
}

func TestStatusGoesThroughEveryDocumentedStateAndTheIntermediateResultReads(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	// One job at a time: the second waits "backlogged" while the first
	// runs. Each job spends 3 s in each of its six phases (status is read
	// again at most once a second), the last one an undocumented state.
	emu := startEmulator(t, emulator.Options{JobDuration: 18 * time.Second, MaxConcurrentJobs: 1, ExtraJobState: "upscaling"})
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	submitJob(t, emu, fluxDev, `{"prompt":"first","width":512,"height":512}`)
	id := submitJob(t, emu, fluxDev, `{"prompt":"second","width":512,"height":512}`)
	dir := m.Path("jobs", id)

	var seen []string
	readIntermediate := false
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		s := catStatus(t, m, id)
		if len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		if s == "completed" || s == "failed" {
			break
		}
		if (s == "intermediate-complete" || s == "upscaling") && !readIntermediate {
			var j jobView
			catJSON(t, m.Path("jobs", id, "job.json"), &j)
			if j.Result != nil && len(j.Result.URLs) == 1 && slices.Contains(lsNames(t, dir), "intermediate-0.png") {
				cmpWithCurl(t, j.Result.URLs[0], filepath.Join(dir, "intermediate-0.png"))
				readIntermediate = true
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	want := []string{"backlogged", "queued", "scheduled", "processing", "sampling", "intermediate-complete", "upscaling", "completed"}
	if !slices.Equal(seen, want) {
		t.Errorf("status went %q, want %q", seen, want)
	}
	if !readIntermediate {
		t.Error("the intermediate result was never readable as intermediate-0.png while the job ran")
	}
	names := lsNames(t, dir)
	if !slices.Contains(names, "result-0.png") || slices.Contains(names, "intermediate-0.png") {
		t.Errorf("the completed job holds %q, want result-0.png and no intermediate result", names)
	}
}

func TestMvOfAStyleUnderEachWayKreaMayAnswerATitle(t *testing.T) {
	t.Parallel()
	needProgram(t, "curl")
	for _, tc := range []struct {
		mode    string
		renamed bool
	}{
		{emulator.StyleTitleRefuse, false}, // Krea's documented answer: 400 "No valid fields to update"
		{emulator.StyleTitleIgnore, false}, // 200, title unchanged
		{emulator.StyleTitleAccept, true},  // 200, title changed
	} {
		emu := startEmulator(t, emulator.Options{SeedStyles: 3, StyleTitle: tc.mode})
		m := mount(t, emu, "--dir-cache-ttl", "1s")
		var id string
		for _, s := range libraryStyles(t, emu) {
			if s.Title != nil && *s.Title == "Style 0" {
				id = s.ID
			}
		}
		if id == "" {
			t.Fatalf("%s: no seeded \"Style 0\"", tc.mode)
		}
		lsNames(t, m.Path("styles"))
		_, stderr, err := runErr(t, "mv", m.Path("styles", "Style 0"), m.Path("styles", "Ink and rust"))
		switch {
		case tc.renamed && err != nil:
			t.Errorf("%s: mv: %v %q, want success", tc.mode, err, stderr)
		case !tc.renamed && (err == nil || !strings.Contains(stderr, "Operation not permitted")):
			t.Errorf("%s: mv: %v %q, want \"Operation not permitted\"", tc.mode, err, strings.TrimSpace(stderr))
		}
		if strings.Contains(stderr, "subdirectory") {
			t.Errorf("%s: mv speaks of subdirectories: %q", tc.mode, stderr)
		}
		if !tc.renamed && !strings.Contains(m.Logs(), "Krea does not rename styles through its API") {
			t.Errorf("%s: no log line saying Krea does not rename styles through its API", tc.mode)
		}
		var api styleView
		apiJSON(t, emu, "GET", "/styles/"+id, "", &api)
		wantName, goneName := "Style 0", "Ink and rust"
		if tc.renamed {
			wantName, goneName = goneName, wantName
		}
		if api.Title == nil || *api.Title != wantName {
			t.Errorf("%s: title in the API after mv: %v, want %q", tc.mode, api.Title, wantName)
		}
		// At once, and after the listing is fetched again: the same names
		// (no rename that reverts, no refusal that renames anyway).
		for _, when := range []string{"at once", "after a fresh listing"} {
			if when != "at once" {
				time.Sleep(1500 * time.Millisecond) // past --dir-cache-ttl
			}
			names := lsNames(t, m.Path("styles"))
			if !slices.Contains(names, wantName) || slices.Contains(names, goneName) {
				t.Errorf("%s: ls styles/ %s: %q, want %q and no %q", tc.mode, when, names, wantName, goneName)
			}
		}
	}
}
