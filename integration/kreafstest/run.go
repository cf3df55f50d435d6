package kreafstest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// RunTimeout bounds one real program (ls, cmp, ...) a test runs.
// Generous, since CI runs under -race on two cores.
const RunTimeout = 60 * time.Second

// RunErr runs a real program with LC_ALL=C and a timeout and returns its
// output and error (an *exec.ExitError for a non-zero status; one saying
// so when the timeout killed it).
func RunErr(timeout time.Duration, name string, args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = runWith(timeout, &o, &e, name, args...)
	return o.String(), e.String(), err
}

// RunCombined is RunErr with stdout and stderr interleaved in one string,
// as a terminal shows them.
func RunCombined(timeout time.Duration, name string, args ...string) (string, error) {
	var out SyncBuffer
	err := runWith(timeout, &out, &out, name, args...)
	return out.String(), err
}

func runWith(timeout time.Duration, stdout, stderr interface{ Write([]byte) (int, error) }, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s timed out after %v: %w", name, timeout, err)
	}
	return err
}

// Eventually polls cond every 50ms until it returns nil or d has passed,
// and returns the last error.
func Eventually(d time.Duration, cond func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
