package main

// The garbage collector's pace. Go's default (GOGC=100: collect once the
// heap has grown by the live heap since the last collection) starts from
// a 4 MB goal, so a cold `ls -l` of 10,000 assets, which grows the heap
// from about 4 to 25 MB, collected 5 times, 50-80 ms of CPU, while the ls
// waited on a CPU-bound path (docs/performance.md, "A cold listing's
// CPU"). At 200 it collects 3 times (30-50 ms); resident memory after that
// listing went from 44-45 MiB to 45-48 MiB. GOGC in the environment wins.

import (
	"os"
	"runtime/debug"
)

// gcPercent is kreafs' GOGC when the environment sets none.
const gcPercent = 200

func init() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
