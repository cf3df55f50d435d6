package jobs

import "github.com/kreafs/kreafs/integration/kreafstest"

// logBuffer collects a test's log lines.
type logBuffer = kreafstest.SyncBuffer
