package fs

// Mounting for the jobs/ and styles/ FUSE tests: the shared mount helper
// (mountFS in assets_mount_test.go) with real time, since jobs move on
// the emulator's wall clock, and the mount's log kept for assertions.

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

// jobsEnv is a mounted file system over an emulator.
type jobsEnv struct {
	*testMount
	mnt string
	log *logBuffer
}

// mountJobs starts an emulator with o and mounts kreafs over it, on the
// real clock with a 1s listing TTL; adjust changes the config further.
func mountJobs(t *testing.T, o emulator.Options, adjust func(*Config)) *jobsEnv {
	t.Helper()
	logs := &logBuffer{}
	l := logrus.New()
	l.SetOutput(logs)
	l.SetLevel(logrus.DebugLevel)
	m := mountFS(t, mountSetup{emu: o, cfg: func(c *Config) {
		c.Clock = time.Now
		c.DirCacheTTL = time.Second
		c.Log = l
		if adjust != nil {
			adjust(c)
		}
	}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mount log:\n%s", logs.String())
		}
	})
	return &jobsEnv{testMount: m, mnt: m.dir, log: logs}
}

// waitFor polls cond every 50ms until it returns nil or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() error) {
	t.Helper()
	if err := kreafstest.Eventually(d, cond); err != nil {
		t.Fatalf("%s: not within %v: %v", what, d, err)
	}
}

// download fetches url directly (what curl would get).
func (e *jobsEnv) download(t *testing.T, url string) []byte {
	t.Helper()
	dl, err := e.client.Fetch(context.Background(), url, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Body.Close()
	b, err := io.ReadAll(dl.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
