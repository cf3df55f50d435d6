//go:build linux

package integration

// What inotify sees of jobs/ (docs/semantics.md, "Changes you can see"):
// a job removed elsewhere is an IN_DELETE in jobs/ once kreafs learns of
// it (a poll of a watched job, or a listing), and a job-removed line of
// .kreafs/events.

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// inotifyDeletes runs `inotifywait -m -e delete dir` until the test ends
// and returns its event lines ("DIR/ DELETE[,ISDIR] NAME"), once its
// watch is set.
func inotifyDeletes(t *testing.T, dir string) <-chan string {
	t.Helper()
	needProgram(t, "inotifywait")
	cmd := exec.Command("inotifywait", "-m", "-e", "delete", dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	lines := startLines(t, cmd)
	ready := bufio.NewScanner(stderr)
	for ready.Scan() && !strings.Contains(ready.Text(), "Watches established") {
	}
	go func() { // drain
		for ready.Scan() {
		}
	}()
	return lines
}

// startLines starts cmd and returns the lines of its stdout (closed when
// it ends); the test's end kills it.
func startLines(t *testing.T, cmd *exec.Cmd) <-chan string {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
	}()
	return lines
}

// waitDelete waits up to limit for an IN_DELETE of name on lines.
func waitDelete(t *testing.T, m *Mount, lines <-chan string, name string, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("inotifywait ended")
			}
			t.Log("inotify:", l)
			if strings.Contains(l, "DELETE") && strings.HasSuffix(l, " "+name) {
				return
			}
		case <-deadline:
			t.Fatalf("no IN_DELETE for %s within %v\n%s", name, limit, m.Logs())
		}
	}
}

func TestInotifySeesJobsRemovedElsewhereLeaveJobs(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{JobDuration: time.Minute})
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	running := submitJob(t, emu, fluxDev, `{"prompt":"a running cat","width":512,"height":512}`)
	run(t, "ls", "-l", m.Path("jobs", running)) // someone looks at it: kreafs polls it
	lines := inotifyDeletes(t, m.Path("jobs"))

	// A job being watched: its next poll gets 404.
	emu.RemoveJob(running)
	waitDelete(t, m, lines, running, 15*time.Second)
	if _, err := os.Stat(m.Path("jobs", running)); !os.IsNotExist(err) {
		t.Errorf("jobs/%s after its removal: %v", running, err)
	}

	// A job only listed: the next listing no longer has it.
	listed := submitJob(t, emu, fluxDev, `{"prompt":"a listed cat","width":512,"height":512}`)
	if err := eventually(10*time.Second, func() error {
		if !strings.Contains(run(t, "ls", "-l", m.Path("jobs")), listed) {
			return os.ErrNotExist
		}
		return nil
	}); err != nil {
		t.Fatalf("jobs/ does not list %s", listed)
	}
	emu.RemoveJob(listed)
	time.Sleep(1100 * time.Millisecond) // past --dir-cache-ttl
	if ls := run(t, "ls", "-l", m.Path("jobs")); strings.Contains(ls, listed) {
		t.Errorf("jobs/ still lists %s after its removal:\n%s", listed, ls)
	}
	waitDelete(t, m, lines, listed, 10*time.Second)

	b, err := os.ReadFile(m.Path(".kreafs", "events"))
	for _, id := range []string{running, listed} {
		if err != nil || !strings.Contains(string(b), " job-removed jobs/"+id+"\n") {
			t.Errorf("events file has no job-removed line for %s (%v):\n%s", id, err, b)
		}
	}
	if emu.Requests("/jobs/"+running) == 0 {
		t.Error("no request for the watched job") // the poll is how kreafs learned of it
	}
}
