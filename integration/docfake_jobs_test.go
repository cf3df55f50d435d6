//go:build linux

package integration

// jobs/ and styles/ against integration/docfake (see docfake_test.go).

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/integration/docfake"
)

// jobStatus is the content of jobs/<id>/status without its newline.
func jobStatus(t testing.TB, m *Mount, id string) string {
	t.Helper()
	return strings.TrimSpace(run(t, "cat", m.Path("jobs", id, "status")))
}

func TestAgainstDocumentedKreaJobsShowEveryDocumentedStateAndTheirResults(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	res0, res1, inter, late := makePNG(10, 12, 12), makePNG(11, 12, 12), makePNG(12, 6, 6), makePNG(13, 9, 9)
	u0 := f.Host("/public/job-a-image.png", res0, "image/png")
	u1 := f.Host("/public/job-b-image.png", res1, "image/png")
	ui := f.Host("/public/job-c-intermediate.png", inter, "image/png")
	ul := f.Host("/public/job-d-image.png", late, "image/png")

	base := time.Now().Add(-time.Hour)
	ids := map[string]string{} // state -> job id
	for i, st := range []string{docfake.Backlogged, docfake.Queued, docfake.Scheduled, docfake.Processing,
		docfake.Sampling, docfake.IntermediateComplete, docfake.Completed, docfake.Failed, docfake.Cancelled} {
		j := docfake.Job{Status: st, CreatedAt: base.Add(time.Duration(i) * time.Second)}
		switch st {
		case docfake.IntermediateComplete:
			j.URLs = []string{ui}
		case docfake.Completed:
			j.URLs = []string{u0, u1}
		case docfake.Failed:
			j.Error = "Content moderation: NSFW content detected"
		}
		ids[st] = f.AddJob(j).ID
	}
	m := mountDocFake(t, f, mountOpts{})

	names := lsNames(t, m.Path("jobs"))
	for st, id := range ids {
		if !slices.Contains(names, id) {
			t.Errorf("ls jobs/ lacks the %s job %s", st, id)
		}
	}
	if len(names) != len(ids) {
		t.Errorf("ls jobs/: %d entries for %d jobs: %q", len(names), len(ids), names)
	}
	for st, id := range ids {
		if got := jobStatus(t, m, id); got != st {
			t.Errorf("jobs/<%s job>/status reads %q", st, got)
		}
	}
	done := ids[docfake.Completed]
	for i, want := range [][]byte{res0, res1} {
		p := m.Path("jobs", done, fmt.Sprintf("result-%d.png", i))
		if got := run(t, "cat", p); got != string(want) {
			t.Errorf("cat %s: %d bytes, want the %d hosted bytes", p, len(got), len(want))
		}
	}
	if js := run(t, "cat", m.Path("jobs", ids[docfake.Failed], "job.json")); !strings.Contains(js, "NSFW content detected") {
		t.Errorf("job.json of the failed job does not carry result.error:\n%s", js)
	}

	// A running job that completes shows its result without a remount.
	running := ids[docfake.Processing]
	f.SetJob(running, docfake.Completed, []string{ul}, "")
	if err := eventually(20*time.Second, func() error {
		if st := jobStatus(t, m, running); st != docfake.Completed {
			return fmt.Errorf("status %q", st)
		}
		return nil
	}); err != nil {
		t.Fatalf("the job completed on the server but jobs/<id>/status: %v", err)
	}
	if got := run(t, "cat", m.Path("jobs", running, "result-0.png")); got != string(late) {
		t.Errorf("the newly completed job's result-0.png: %d bytes, want %d", len(got), len(late))
	}
}

func TestAgainstDocumentedKreaRmROfARunningJobCancelsIt(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	queued := f.AddJob(docfake.Job{Status: docfake.Queued}).ID
	processing := f.AddJob(docfake.Job{Status: docfake.Processing}).ID
	m := mountDocFake(t, f, mountOpts{Flags: []string{"--dir-cache-ttl", "1h"}})
	run(t, "ls", m.Path("jobs"))

	for _, id := range []string{queued, processing} {
		before, _ := f.Job(id)
		if _, stderr, err := runErr(t, "rm", "-r", m.Path("jobs", id)); err != nil {
			t.Errorf("rm -r jobs/<%s job>: %v: %s", before.Status, err, stderr)
		}
		if j, ok := f.Job(id); !ok || j.Status != docfake.Cancelled {
			t.Errorf("after rm -r of a %s job the server has it as %+v (present %v), want cancelled", before.Status, j, ok)
		}
		if err := eventually(10*time.Second, func() error {
			if st := jobStatus(t, m, id); st != docfake.Cancelled {
				return fmt.Errorf("status %q", st)
			}
			return nil
		}); err != nil {
			t.Errorf("jobs/<id>/status after rm -r of a %s job: %v, want cancelled", before.Status, err)
		}
	}
}

func TestAgainstDocumentedKreaRmROfAFinishedJobHidesItAndKreaKeepsIt(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	res := makePNG(20, 8, 8)
	url := f.Host("/public/finished-image.png", res, "image/png")
	other := f.AddJob(docfake.Job{Status: docfake.Completed, URLs: []string{url}}).ID
	finished := map[string]string{
		f.AddJob(docfake.Job{Status: docfake.Completed, URLs: []string{url}}).ID: docfake.Completed,
		f.AddJob(docfake.Job{Status: docfake.Failed, Error: "API error"}).ID:     docfake.Failed,
		f.AddJob(docfake.Job{Status: docfake.Cancelled}).ID:                      docfake.Cancelled,
	}
	m := mountDocFake(t, f, mountOpts{Flags: []string{"--dir-cache-ttl", "1s"}})
	run(t, "ls", m.Path("jobs"))

	for id, st := range finished {
		if _, stderr, err := runErr(t, "rm", "-r", m.Path("jobs", id)); err != nil {
			t.Errorf("rm -r jobs/<%s job>: %v: %s", st, err, stderr)
		}
		if j, ok := f.Job(id); !ok || j.Status != st {
			t.Errorf("rm -r of a %s job changed it on the server: %+v (present %v)", st, j, ok)
		}
	}
	// Hidden now and after the listing is fetched again (TTL 1 s).
	for i := 0; i < 2; i++ {
		if names := lsNames(t, m.Path("jobs")); !slices.Equal(names, []string{other}) {
			t.Errorf("ls jobs/ after rm -r of the finished jobs (listing %d): %q, want only %s", i, names, other)
		}
		time.Sleep(1200 * time.Millisecond)
	}
	// Its id still opens it.
	for id, st := range finished {
		if out, stderr, err := runErr(t, "stat", "-c", "%F", m.Path("jobs", id)); err != nil || strings.TrimSpace(out) != "directory" {
			t.Errorf("stat jobs/<hidden %s job>: %v %q %q, want a directory", st, err, out, stderr)
		}
	}
	// Still hidden after a remount on the same cache dir.
	m.Stop()
	m2 := mountDocFake(t, f, mountOpts{CacheDir: m.CacheDir})
	if names := lsNames(t, m2.Path("jobs")); !slices.Equal(names, []string{other}) {
		t.Errorf("ls jobs/ after a remount: %q, want only %s", names, other)
	}
}

func TestAgainstDocumentedKreaMvOfAStyleFailsWithEPERMAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	cover := f.Host("/public/style-cover.png", makePNG(30, 6, 6), "image/png")
	st := f.AddStyle(docfake.Style{Title: docfake.Str("Watercolor"), CoverURL: &cover, Prompt: "in watercolor"})
	m := mountDocFake(t, f, mountOpts{Flags: []string{"--dir-cache-ttl", "1s"}})
	if names := lsNames(t, m.Path("styles")); !slices.Equal(names, []string{"Watercolor"}) {
		t.Fatalf("ls styles/: %q, want [Watercolor]", names)
	}

	_, stderr, err := runErr(t, "mv", m.Path("styles", "Watercolor"), m.Path("styles", "Ink wash"))
	if err == nil || !strings.Contains(stderr, "Operation not permitted") {
		t.Errorf("mv of a style: %v %q, want \"Operation not permitted\"", err, strings.TrimSpace(stderr))
	}
	if strings.Contains(stderr, "subdirectory") {
		t.Errorf("mv of a style speaks of subdirectories: %q", strings.TrimSpace(stderr))
	}
	if !slices.ContainsFunc(strings.Split(m.Stderr(), "\n"), func(l string) bool {
		return strings.Contains(l, st.ID) && strings.Contains(strings.ToLower(l), "rename")
	}) {
		t.Errorf("the refused mv logged no line naming style %s and saying why (renames)", st.ID)
	}
	if got, _ := f.Style(st.ID); got.Title == nil || *got.Title != "Watercolor" || got.Public != st.Public {
		t.Errorf("the refused mv changed the style on the server: %+v", got)
	}
	// No rename that reverts later: the old name stays, the new one never
	// appears, also after the listing is fetched again (TTL 1 s).
	for i := 0; i < 2; i++ {
		if names := lsNames(t, m.Path("styles")); !slices.Equal(names, []string{"Watercolor"}) {
			t.Errorf("ls styles/ after the refused mv (listing %d): %q, want [Watercolor]", i, names)
		}
		time.Sleep(1200 * time.Millisecond)
	}
}

func TestAgainstDocumentedKreaFileManagerProbesInJobsAndStylesAskNothing(t *testing.T) {
	t.Parallel()
	f := startDocFake(t)
	job := f.AddJob(docfake.Job{Status: docfake.Completed}).ID
	f.AddStyle(docfake.Style{Title: docfake.Str("Watercolor")})
	m := mountDocFake(t, f, mountOpts{Flags: []string{"--dir-cache-ttl", "1h"}})
	run(t, "ls", m.Path("jobs"))
	run(t, "ls", m.Path("styles"))
	before := f.Requests()
	for _, dir := range []string{"jobs", "styles"} {
		for _, name := range []string{".directory", "desktop.ini", "Thumbs.db", "autorun.inf", ".hidden", "folder.jpg", "x.txt"} {
			_, stderr, err := runErr(t, "stat", m.Path(dir, name))
			if err == nil || !strings.Contains(stderr, "No such file or directory") {
				t.Errorf("stat %s/%s: %v %q, want ENOENT", dir, name, err, strings.TrimSpace(stderr))
			}
		}
	}
	if after := f.Requests(); len(after) != len(before) {
		t.Errorf("probes of names that cannot be Krea ids sent %d requests: %q", len(after)-len(before), after[len(before):])
	}
	// A real id still opens.
	if got := jobStatus(t, m, job); got != docfake.Completed {
		t.Errorf("jobs/<id>/status: %q", got)
	}
}
