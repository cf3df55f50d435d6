//go:build linux

package integration

// What the API says about each file, where getfattr and jq find it:
// user.krea.* extended attributes and MOUNT/.kreafs/assets.jsonl.

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// getfattr runs getfattr --only-values -n name path.
func getfattr(t *testing.T, name, path string) (string, error) {
	t.Helper()
	out, err := exec.Command("getfattr", "--only-values", "--absolute-names", "-n", name, path).CombinedOutput()
	return string(out), err
}

func TestGetfattrShowsEachAssetsKreaURLAndIDAndOnlyKreaNames(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	kreafstest.NeedProgram(t, "getfattr")
	emu := startEmulator(t, emulator.Options{SeedAssets: 3, SeedJobs: 2, SeedStyles: 2})
	m := mount(t, emu, "--xattrs")
	ents, err := os.ReadDir(m.Path("assets"))
	if err != nil || len(ents) != 3 {
		t.Fatalf("assets/: %d entries, %v", len(ents), err)
	}
	byID := map[string]string{}
	for _, a := range emu.Assets() {
		byID[a.ID] = a.ImageURL
	}
	for _, e := range ents {
		p := m.Path("assets", e.Name())
		id, err := getfattr(t, "user.krea.id", p)
		if err != nil || byID[id] == "" {
			t.Fatalf("user.krea.id of %s: %q %v; want one of the emulator's ids", e.Name(), id, err)
		}
		if url, err := getfattr(t, "user.krea.url", p); err != nil || url != byID[id] {
			t.Errorf("user.krea.url of %s: %q %v; want the API's image_url %q", e.Name(), url, err, byID[id])
		}
	}
	p := m.Path("assets", ents[0].Name())
	dump, err := exec.Command("getfattr", "-d", "--absolute-names", p).CombinedOutput()
	if err != nil {
		t.Fatalf("getfattr -d: %v %s", err, dump)
	}
	for _, name := range []string{"user.krea.id=", "user.krea.url=", "user.krea.mime_type=", "user.krea.width=", "user.krea.height=", "user.krea.uploaded_at="} {
		if !strings.Contains(string(dump), name) {
			t.Errorf("getfattr -d does not list %s:\n%s", name, dump)
		}
	}
	for _, name := range []string{"security.selinux", "system.posix_acl_access", "user.krea.nonsense", "user.other"} {
		if out, err := getfattr(t, name, p); err == nil || !strings.Contains(out, "No such attribute") {
			t.Errorf("getfattr -n %s: %q %v; want No such attribute", name, out, err)
		}
	}
	if out, err := exec.Command("setfattr", "-n", "user.krea.id", "-v", "x", p).CombinedOutput(); err == nil || !strings.Contains(string(out), "Operation not supported") {
		t.Errorf("setfattr: %q %v; want Operation not supported", out, err)
	}

	// Job folders: id and status; their results: url and the job's id;
	// style folders: id and public.
	checked := 0
	for _, j := range emu.Jobs() {
		p := m.Path("jobs", j.JobID)
		if got, err := getfattr(t, "user.krea.status", p); err != nil || got != j.Status {
			t.Errorf("user.krea.status of jobs/%s: %q %v; want %q", j.JobID, got, err, j.Status)
		}
		if got, err := getfattr(t, "user.krea.id", p); err != nil || got != j.JobID {
			t.Errorf("user.krea.id of jobs/%s: %q %v", j.JobID, got, err)
		}
		if j.Result == nil {
			continue
		}
		files, err := os.ReadDir(p)
		if err != nil {
			t.Fatal(err)
		}
		results := 0
		for _, f := range files {
			if !f.Type().IsRegular() || f.Name() == "job.json" || f.Name() == "status" {
				continue
			}
			url, err := getfattr(t, "user.krea.url", m.Path("jobs", j.JobID, f.Name()))
			if err != nil || !slices.Contains(j.Result.URLs, url) {
				t.Errorf("user.krea.url of jobs/%s/%s: %q %v; want one of %q", j.JobID, f.Name(), url, err, j.Result.URLs)
			}
			if id, err := getfattr(t, "user.krea.id", m.Path("jobs", j.JobID, f.Name())); err != nil || id != j.JobID {
				t.Errorf("user.krea.id of jobs/%s/%s: %q %v; want the job's id", j.JobID, f.Name(), id, err)
			}
			results++
			checked++
		}
		if results != len(j.Result.URLs) {
			t.Errorf("jobs/%s: %d result files with attributes, want %d", j.JobID, results, len(j.Result.URLs))
		}
	}
	if checked == 0 {
		t.Error("no job result file was checked")
	}
	public := map[string]bool{}
	for _, s := range emu.Styles() {
		public[s.ID] = s.Public
	}
	sdirs, err := os.ReadDir(m.Path("styles"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, d := range sdirs {
		p := m.Path("styles", d.Name())
		id, err := getfattr(t, "user.krea.id", p)
		if err != nil {
			t.Errorf("styles/%s: no user.krea.id: %v", d.Name(), err)
			continue
		}
		want, ok := public[id]
		if got, err := getfattr(t, "user.krea.public", p); !ok || err != nil || got != strconv.FormatBool(want) {
			t.Errorf("styles/%s: id %q public %q %v; want %v", d.Name(), id, got, err, want)
		}
		seen++
	}
	if seen == 0 {
		t.Error("no style folder")
	}
}

func TestJqOverAssetsJSONLMatchesTheListing(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	kreafstest.NeedProgram(t, "jq")
	emu := startEmulator(t, emulator.Options{SeedAssets: 5})
	emu.add(makePNG(1, 4, 4), "same.png")
	emu.add(makePNG(2, 4, 4), "same.png") // two assets, one name: the mount tells them apart
	m := mount(t, emu, "--xattrs")
	ents, err := os.ReadDir(m.Path("assets"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, e := range ents {
		listed = append(listed, e.Name())
	}
	out := run(t, "jq", "-r", ".name", m.Path(".kreafs", "assets.jsonl"))
	names := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	slices.Sort(names)
	slices.Sort(listed)
	if !slices.Equal(names, listed) || len(names) != 7 {
		t.Fatalf("jq .name: %q\nls: %q", names, listed)
	}
	// Each record's id is the one the file's xattr names.
	for _, n := range listed[:2] {
		id := strings.TrimSpace(run(t, "jq", "-r", "--arg", "n", n, `select(.name == $n) | .id`, m.Path(".kreafs", "assets.jsonl")))
		if got, err := getfattr(t, "user.krea.id", m.Path("assets", n)); err != nil || got != id {
			t.Errorf("%s: jq id %q, xattr %q %v", n, id, got, err)
		}
	}
}

// Without --xattrs the kernel asks for none: ls -l stays as fast as a
// mount without them, and getfattr says they are not supported.
func TestWithoutTheXattrsFlagGetfattrSaysNotSupported(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	kreafstest.NeedProgram(t, "getfattr")
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(3, 4, 4), "plain.png")
	m := mount(t, emu)
	if out, err := getfattr(t, "user.krea.id", m.Path("assets", "plain.png")); err == nil || !strings.Contains(out, "Operation not supported") {
		t.Fatalf("getfattr without --xattrs: %q %v; want Operation not supported", out, err)
	}
}
