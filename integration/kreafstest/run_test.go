package kreafstest

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestSyncBufferSignalsOnceALineWithThePrefixIsWritten(t *testing.T) {
	var b SyncBuffer
	seen := b.Watch("kreafs: mounted ")
	b.Write([]byte("log line\nkreafs: mou"))
	select {
	case <-seen:
		t.Fatal("signalled before the prefix was complete")
	default:
	}
	b.Write([]byte("nted /m\nmore\n"))
	select {
	case <-seen:
	default:
		t.Fatal("no signal after the ready line")
	}
	b.Write([]byte("kreafs: mounted again\n")) // a second one must not close twice
	if got := b.String(); got != "log line\nkreafs: mounted /m\nmore\nkreafs: mounted again\n" {
		t.Errorf("String() = %q", got)
	}
}

func TestRunErrReturnsOutputAndExitStatusAndTimesOut(t *testing.T) {
	stdout, stderr, err := RunErr(10*time.Second, "sh", "-c", `echo out; echo err >&2; exit 3`)
	var exit *exec.ExitError
	if stdout != "out\n" || stderr != "err\n" || !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("RunErr: %q %q %v, want out, err and status 3", stdout, stderr, err)
	}
	out, err := RunCombined(10*time.Second, "sh", "-c", `echo out; echo err >&2`)
	if err != nil || out != "out\nerr\n" {
		t.Errorf("RunCombined: %q %v", out, err)
	}
	start := time.Now()
	_, _, err = RunErr(200*time.Millisecond, "sleep", "30")
	if err == nil || !strings.Contains(err.Error(), "timed out after 200ms") {
		t.Errorf("RunErr of sleep 30: %v, want a timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the timeout took %v", d)
	}
}

func TestEventuallyRetriesUntilNilOrTheDeadline(t *testing.T) {
	n := 0
	if err := Eventually(5*time.Second, func() error {
		if n++; n < 3 {
			return errors.New("not yet")
		}
		return nil
	}); err != nil || n != 3 {
		t.Errorf("Eventually: %v after %d calls, want nil after 3", err, n)
	}
	if err := Eventually(100*time.Millisecond, func() error { return errors.New("never") }); err == nil || err.Error() != "never" {
		t.Errorf("Eventually of a failing cond: %v, want its last error", err)
	}
}
