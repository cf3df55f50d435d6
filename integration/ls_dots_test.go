package integration

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

// `ls -a` shows "." and ".." first in every directory of the mount, and
// then every entry once (also in a listing long enough to take several
// reads, where offsets count the two).
func TestLsAShowsDotAndDotDotInEveryDirectory(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{SeedAssets: 400, SeedJobs: 2, SeedStyles: 2, JobDuration: -1})
	m := mount(t, emu)
	jobs := lsNames(t, m.Path("jobs"))
	styles := lsNames(t, m.Path("styles"))
	if len(jobs) == 0 || len(styles) == 0 {
		t.Fatalf("jobs %q, styles %q: want some of each", jobs, styles)
	}
	dirs := []string{"", "assets", "assets/.by-id", "jobs", "jobs/" + jobs[0], "styles", "styles/" + styles[0],
		"styles/.by-id", ".kreafs"}
	for _, d := range dirs {
		for round := 1; round <= 2; round++ { // the second within the TTL: assets/ from the kernel's copy
			p := m.Path(strings.Split(d, "/")...)
			all := lsNames(t, p, "-a", "-f") // -f: unsorted, as listed
			if len(all) < 2 || all[0] != "." || all[1] != ".." {
				t.Errorf("ls -a %s/ (round %d) starts with %q, want . and ..", d, round, all[:min(len(all), 4)])
				continue
			}
			rest := all[2:]
			if slices.Contains(rest, ".") || slices.Contains(rest, "..") {
				t.Errorf("ls -a %s/ lists . or .. twice", d)
			}
			want := listNames(t, p)
			got := slices.Clone(rest)
			slices.Sort(got)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("ls -a %s/ (round %d): %d entries besides . and .., readdir lists %d", d, round, len(got), len(want))
			}
		}
	}
	// ".." of a job directory is jobs/.
	if out := run(t, "stat", "-c", "%i", m.Path("jobs", jobs[0], ".."), m.Path("jobs")); len(strings.Fields(out)) != 2 ||
		strings.Fields(out)[0] != strings.Fields(out)[1] {
		t.Errorf("inode of jobs/%s/.. and jobs: %q", jobs[0], out)
	}
}
