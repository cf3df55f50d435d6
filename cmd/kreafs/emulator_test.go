package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestEmulatorFlags(t *testing.T) {
	tests := []struct {
		args  []string
		bad   bool
		check func(*emulatorConfig) bool
	}{
		{args: nil, check: func(c *emulatorConfig) bool {
			return c.listen == "127.0.0.1:8787" && c.filesListen == "127.0.0.1:8788" && c.opts.Token == "kreafs-emulator" &&
				c.opts.JobDuration == 3*time.Second && c.opts.DataDir == ""
		}},
		{args: []string{"--token", "t", "--seed-assets", "20", "--seed-jobs=3", "--seed-styles", "2", "--data", "/tmp/x"}, check: func(c *emulatorConfig) bool {
			return c.opts.Token == "t" && c.opts.SeedAssets == 20 && c.opts.SeedJobs == 3 && c.opts.SeedStyles == 2 && c.opts.DataDir == "/tmp/x"
		}},
		{args: []string{"--bandwidth", "1MiB", "--latency", "50ms", "--fault-rate", "0.2", "--max-concurrent-jobs", "4"}, check: func(c *emulatorConfig) bool {
			return c.opts.Bandwidth == 1<<20 && c.opts.Latency == 50*time.Millisecond && c.opts.FaultRate == 0.2 && c.opts.MaxConcurrentJobs == 4
		}},
		{args: []string{"--bandwidth", "250000"}, check: func(c *emulatorConfig) bool { return c.opts.Bandwidth == 250000 }},
		{args: nil, check: func(c *emulatorConfig) bool { return !c.opts.NoCredits && !c.opts.RequireLength }},
		{args: []string{"--no-credits", "--require-length"}, check: func(c *emulatorConfig) bool { return c.opts.NoCredits && c.opts.RequireLength }},
		{args: []string{"--job-duration", "0"}, check: func(c *emulatorConfig) bool { return c.opts.JobDuration < 0 }},
		{args: nil, check: func(c *emulatorConfig) bool {
			return c.opts.CursorField == "nextCursor" && !c.opts.TieBreakCursor
		}},
		{args: []string{"--cursor-field", "next_cursor", "--tie-break-cursor"}, check: func(c *emulatorConfig) bool {
			return c.opts.CursorField == "next_cursor" && c.opts.TieBreakCursor
		}},
		{args: []string{"--cursor-field", "cursor"}, bad: true},
		{args: nil, check: func(c *emulatorConfig) bool {
			return c.opts.JobDelete == "cancel" && !c.opts.RefuseOverLimit && c.opts.ExtraJobState == ""
		}},
		{args: []string{"--job-delete", "delete", "--refuse-over-limit", "--extra-job-state", "upscaling"}, check: func(c *emulatorConfig) bool {
			return c.opts.JobDelete == "delete" && c.opts.RefuseOverLimit && c.opts.ExtraJobState == "upscaling"
		}},
		{args: []string{"--job-delete", "purge"}, bad: true},
		{args: []string{"--style-title", "accept"}, check: func(c *emulatorConfig) bool { return c.opts.StyleTitle == "accept" }},
		{args: []string{"--style-title", "rename"}, bad: true},
		{args: []string{"--error-shape", "detail-list"}, check: func(c *emulatorConfig) bool { return c.opts.ErrorShape == "detail-list" }},
		{args: []string{"--error-shape", "xml"}, bad: true},
		{args: []string{"--no-echo-description", "--hosted-names"}, check: func(c *emulatorConfig) bool {
			return c.opts.NoEchoDescription && c.opts.HostedNames
		}},
		{args: []string{"--extra-job-state", "completed"}, bad: true},
		{args: []string{"--bogus"}, bad: true},
		{args: []string{"stray"}, bad: true},
		{args: []string{"--fault-rate", "1.5"}, bad: true},
		{args: []string{"--cut-rate", "-0.1"}, bad: true},
		{args: []string{"--bandwidth", "fast"}, bad: true},
		{args: []string{"--seed-assets", "-1"}, bad: true},
		{args: []string{"--seed-assets", "many"}, bad: true},
		{args: []string{"--token", ""}, bad: true},
		{args: []string{"--token", "a b"}, bad: true},
		{args: []string{"--log-level", "loud"}, bad: true},
		{args: []string{"--latency", "-1s"}, bad: true},
	}
	for _, tc := range tests {
		c, _, err := parseEmulatorFlags(tc.args)
		var ue *usageError
		switch {
		case tc.bad && !errors.As(err, &ue):
			t.Errorf("%v: err %v, want a usage error", tc.args, err)
		case !tc.bad && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case !tc.bad && !tc.check(c):
			t.Errorf("%v: config %+v", tc.args, c)
		}
	}
	if _, _, err := parseEmulatorFlags([]string{"--help"}); !errors.Is(err, pflag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

func TestEmulatorBadFlagExits2WithUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"emulator", "--nope"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "Usage: kreafs emulator") || out.Len() != 0 {
		t.Fatalf("stderr %q, stdout %q", errb.String(), out.String())
	}
}

// TestEmulatorProcess is the child of TestEmulatorRunsUntilSIGTERM.
func TestEmulatorProcess(t *testing.T) {
	if os.Getenv("KREAFS_TEST_EMULATOR_CHILD") != "1" {
		t.Skip("helper process")
	}
	os.Exit(run(append([]string{"emulator"}, strings.Fields(os.Getenv("KREAFS_TEST_ARGS"))...), os.Stdout, os.Stderr))
}

func TestEmulatorRunsUntilSIGTERM(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmulatorProcess$")
	cmd.Env = append(os.Environ(), "KREAFS_TEST_EMULATOR_CHILD=1",
		"KREAFS_TEST_ARGS=--listen 127.0.0.1:0 --files-listen 127.0.0.1:0 --token t0k --seed-assets 20")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	env := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for len(env) < 2 && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("stdout line %q is not NAME=value", sc.Text())
		}
		env[k] = v
	}
	if env["KREA_API_TOKEN"] != "t0k" || !strings.HasPrefix(env["KREA_API_URL"], "http://127.0.0.1:") {
		t.Fatalf("stdout said %v; stderr %s", env, stderr.String())
	}
	req, _ := http.NewRequest("GET", env["KREA_API_URL"]+"/assets?limit=1000", nil)
	req.Header.Set("Authorization", "Bearer t0k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || len(page.Items) != 20 {
		t.Fatalf("listed %d assets (%v)", len(page.Items), err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; stderr %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGTERM")
	}
	if strings.Contains(stderr.String(), "t0k") {
		t.Errorf("the token appears in the logs: %s", stderr.String())
	}
}

func TestEmulatorSwitchFlagsWorkOnMountEmulatorAndNameTheFlagWhenWrong(t *testing.T) {
	env := func(k string) string {
		if k == "HOME" {
			return t.TempDir()
		}
		return ""
	}
	c, _, err := parseMountFlags([]string{"--emulator", "--cursor-field", "next_cursor", "--tie-break-cursor", "/mnt"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.emuSwitches.CursorField != "next_cursor" || !c.emuSwitches.TieBreakCursor {
		t.Fatalf("switches %+v", c.emuSwitches)
	}
	if _, _, err := parseMountFlags([]string{"--tie-break-cursor", "/mnt"}, env); err == nil || !strings.Contains(err.Error(), "--emulator") {
		t.Errorf("a switch without --emulator: %v", err)
	}
	for _, args := range [][]string{{"--cursor-field", "cursor"}, {"--job-delete", "purge"}, {"--extra-job-state", "failed"}, {"--style-title", "rename"}, {"--error-shape", "xml"}} {
		_, _, err := parseEmulatorFlags(args)
		if err == nil || !strings.Contains(err.Error(), "--"+strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: %v, want an error naming the flag", args, err)
		}
		_, _, err = parseMountFlags(append([]string{"--emulator", "/mnt"}, args...), env)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("mount %v: %v, want an error naming the flag", args, err)
		}
	}
}
