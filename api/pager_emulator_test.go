package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// Every asset and job is listed exactly once against the emulator, whose
// seeded assets come in runs of 1 to 7 per millisecond and whose cursor is
// Krea's plain "before T" (or, switched, one with a hidden tie-breaker),
// compared with the emulator's own full lists.
func TestListingTheEmulatorsTiedAssetsGivesEveryIDExactlyOnce(t *testing.T) {
	for _, field := range []string{emulator.CursorFieldCamel, emulator.CursorFieldSnake} {
		for _, tieBreak := range []bool{false, true} {
			for _, pageSize := range []int{1000, 100} {
				name := fmt.Sprintf("%s/tie-break=%v/pages of %d", field, tieBreak, pageSize)
				t.Run(name, func(t *testing.T) {
					srv, err := emulator.Start(emulator.Options{
						Token: emuToken, SeedAssets: 2500, SeedJobs: 300,
						CursorField: field, TieBreakCursor: tieBreak,
					})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { srv.Close() })
					logs := &lockedBuffer{}
					l := logrus.New()
					l.SetOutput(logs)
					c, err := api.New(api.Config{BaseURL: srv.URL(), Token: emuToken, PageSize: pageSize, Log: l})
					if err != nil {
						t.Fatal(err)
					}
					ctx := context.Background()
					assets, err := c.AllAssets(ctx)
					if err != nil {
						t.Fatal(err)
					}
					var ids []string
					for _, a := range assets {
						ids = append(ids, a.ID)
					}
					sameIDsOnce(t, "assets", ids, srv.AssetIDs())
					jobs, err := c.AllJobs(ctx, api.JobListOptions{})
					if err != nil {
						t.Fatal(err)
					}
					ids = ids[:0]
					for _, j := range jobs {
						ids = append(ids, j.JobID)
					}
					sameIDsOnce(t, "jobs", ids, srv.JobIDs())
					if w := logs.String(); w != "" {
						t.Errorf("warnings while listing:\n%s", w)
					}
				})
			}
		}
	}
}

// sameIDsOnce fails unless got holds every id of want exactly once, and
// nothing else.
func sameIDsOnce(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("the emulator has no %s", what)
	}
	wanted := map[string]bool{}
	for _, id := range want {
		wanted[id] = true
	}
	seen := map[string]bool{}
	twice, unknown := 0, 0
	for _, id := range got {
		switch {
		case !wanted[id]:
			unknown++
		case seen[id]:
			twice++
		}
		seen[id] = true
	}
	missing := 0
	for _, id := range want {
		if !seen[id] {
			missing++
		}
	}
	if missing > 0 || twice > 0 || unknown > 0 {
		t.Errorf("%s: listed %d of %d: %d missing, %d twice, %d unknown", what, len(got), len(want), missing, twice, unknown)
	}
}
