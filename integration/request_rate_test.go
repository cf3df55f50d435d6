//go:build linux

package integration

// How many API requests a mount sends when nobody uses it: the numbers in
// docs/reliability.md ("Request volume") come from these tests (run with
// -v, they log them).

import (
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// requestWindow is how long the steady state is watched.
const requestWindow = 16 * time.Second

// countRequests returns the emulator's API requests (all, and those to
// prefix) over window.
func countRequests(emu *Emulator, prefix string, window time.Duration) (all, matching int) {
	a0, m0 := emu.Requests(""), emu.Requests(prefix)
	time.Sleep(window)
	return emu.Requests("") - a0, emu.Requests(prefix) - m0
}

func TestAnIdleMountSendsNoAPIRequests(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, emulator.Options{SeedAssets: 40, SeedJobs: 20, SeedStyles: 5})
	m := mount(t, emu)
	// Someone looked at everything once; the finished jobs need no polls.
	run(t, "ls", m.Path("assets"))
	run(t, "ls", m.Path("styles"))
	time.Sleep(2 * time.Second)
	all, _ := countRequests(emu, "", requestWindow)
	t.Logf("idle mount: %d API requests in %v", all, requestWindow)
	// Nothing runs on a timer without a watched job or a queued upload.
	if all != 0 {
		t.Errorf("an idle mount sent %d API requests in %v, want none", all, requestWindow)
	}
}

func TestAMountWith32RunningJobsPollsEachAboutEvery4Seconds(t *testing.T) {
	t.Parallel()
	// Every tenth seeded job is still running (for an hour): 32 of 320.
	emu := startEmulator(t, emulator.Options{SeedJobs: 320, JobDuration: time.Hour})
	running := 0
	for _, j := range emu.Jobs() {
		if j.Status != "completed" && j.Status != "failed" && j.Status != "cancelled" {
			running++
		}
	}
	if running != 32 {
		t.Fatalf("%d running jobs seeded, want 32", running)
	}
	m := mount(t, emu)
	run(t, "ls", m.Path("jobs")) // watches the (at most 32) running jobs
	// Polls come 2, 4.5, 7.6 and 11.5 s after the ls, then every 4 s
	// (fs/jobs/jobs_poll_schedule.go defaultPollSchedule); the window starts in the
	// steady state.
	time.Sleep(12 * time.Second)
	all, polls := countRequests(emu, "/jobs/", requestWindow)
	t.Logf("32 running jobs: %d API requests in %v (%.1f/s), %d of them job polls", all, requestWindow,
		float64(all)/requestWindow.Seconds(), polls)
	// One poll per job per 4 s: 32 * 16/4 = 128; a job's polls can fall
	// at both ends of the window (+32); under a loaded machine polls lag,
	// but each job is polled at least twice.
	steps := int(requestWindow / (4 * time.Second))
	if max := 32 * (steps + 1); all > max {
		t.Errorf("%d API requests in %v, want at most %d (32 jobs every 4 s)", all, requestWindow, max)
	}
	if min := 32 * 2; polls < min {
		t.Errorf("%d job polls in %v, want at least %d: the running jobs are not being polled", polls, requestWindow, min)
	}
	if other := all - polls; other > 0 {
		t.Errorf("%d requests other than job polls while nobody used the mount", other)
	}
}
