package fs

// The test support the fs mount tests share with the integration tests and
// the benchmark (integration/kreafstest), under the names used here.

import (
	"io"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/integration/kreafstest"
)

// requireFUSE skips a test that needs a real FUSE mount when this machine
// cannot mount one (not Linux, no usable /dev/fuse, not root and no
// fusermount3, or a probe mount fails), unless KREAFS_REQUIRE_FUSE=1,
// which makes that a failure (CI).
var requireFUSE = kreafstest.RequireFUSE

// logBuffer collects a mount's log lines.
type logBuffer = kreafstest.SyncBuffer

// quietLog discards the log.
func quietLog() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}
