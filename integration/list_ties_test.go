//go:build linux

package integration

import (
	"slices"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

// ls of assets/ (and jobs/) lists every asset (job) exactly once when the
// API's cursor is Krea's plain "before T" timestamp and assets share
// milliseconds (the emulator seeds them in runs of 1 to 7 per
// millisecond), whichever name the cursor field has.
func TestLsListsEveryAssetOnceWithEitherCursorFieldAndSharedMilliseconds(t *testing.T) {
	for _, field := range []string{emulator.CursorFieldCamel, emulator.CursorFieldSnake} {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			requireFUSE(t)
			emu := startEmulator(t, emulator.Options{SeedAssets: 2500, SeedJobs: 30, CursorField: field})
			m := mount(t, emu)
			names := lsNames(t, m.Path("assets"))
			if len(names) != 2500 {
				t.Errorf("ls assets/ lists %d names, want 2500", len(names))
			}
			compareIDs(t, "ls -A assets/.by-id", lsNames(t, m.Path("assets", ".by-id"), "-A"), emu.AssetIDs())
			compareIDs(t, "ls jobs/", lsNames(t, m.Path("jobs")), emu.JobIDs())
			if logs := m.Logs(); containsAny(logs, "share one timestamp", "repeated cursor") {
				t.Errorf("the listing warned:\n%s", logs)
			}
		})
	}
}

// compareIDs fails unless got and want hold the same ids, each once.
func compareIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if slices.Equal(g, w) {
		return
	}
	missing, extra := 0, 0
	for _, id := range w {
		if _, ok := slices.BinarySearch(g, id); !ok {
			missing++
		}
	}
	for _, id := range g {
		if _, ok := slices.BinarySearch(w, id); !ok {
			extra++
		}
	}
	t.Errorf("%s: %d ids, the emulator has %d: %d missing, %d not the emulator's, and %d doubled", what, len(got), len(want), missing, extra, len(g)-len(slices.Compact(slices.Clone(g))))
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
