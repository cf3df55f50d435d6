package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

// gcPercentNow is the GC percent in force.
func gcPercentNow() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// kreafs collects garbage at its own pace (a cold listing of a big account
// collects less often), unless GOGC says otherwise.
func TestKreafsCollectsGarbageAtItsOwnPaceUnlessGOGCIsSet(t *testing.T) {
	if os.Getenv("KREAFS_TEST_GC_PERCENT") == "1" {
		fmt.Printf("gc percent %d\n", gcPercentNow())
		return
	}
	for _, tc := range []struct {
		env  []string
		want int
	}{
		{nil, gcPercent},
		{[]string{"GOGC=50"}, 50},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKreafsCollectsGarbageAtItsOwnPaceUnlessGOGCIsSet$")
		var env []string
		for _, e := range os.Environ() {
			if !strings.HasPrefix(e, "GOGC=") {
				env = append(env, e)
			}
		}
		cmd.Env = append(append(env, "KREAFS_TEST_GC_PERCENT=1"), tc.env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v: %s", cmd.Args, err, out)
		}
		if want := fmt.Sprintf("gc percent %d\n", tc.want); !strings.Contains(string(out), want) {
			t.Errorf("with %q in the environment: %q, want %q", tc.env, out, want)
		}
	}
}
