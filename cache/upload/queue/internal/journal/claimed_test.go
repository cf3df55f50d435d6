package journal

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The claimed log keeps, per asset, when and by which item it was
// claimed (lines of earlier versions name no item), stops at a torn last
// line, drops claims older than since, and adds the journal's own.
func TestTheClaimedLogKeepsWhoClaimedEachAssetAndStopsAtATornLine(t *testing.T) {
	dir := t.TempDir()
	item, fromRecord := NewID(), NewID()
	now := time.UnixMilli(1_800_000_000_000)
	content := "1800000000000 asset-a\n" + // an earlier version's line
		"1800000000001 asset-b " + item + "\n" +
		"1799000000000 asset-old " + item + "\n" + // before since
		"1800000000002 asset-c " + item[:10] // torn: no end of line
	if err := os.WriteFile(filepath.Join(dir, "claimed.log"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SyncClaimed(dir, nil); err != nil {
		t.Fatal(err)
	}
	also := map[string]Claim{"asset-r": {At: now, Item: fromRecord}}
	cl, got, err := OpenClaimed(dir, now.Add(-time.Hour), also, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"asset-a": "", "asset-b": item, "asset-r": fromRecord}
	if len(got) != len(want) {
		t.Fatalf("claims %+v, want %v", got, want)
	}
	for a, it := range want {
		if c, ok := got[a]; !ok || c.Item != it {
			t.Fatalf("claim of %s: %+v (%v), want item %q", a, c, ok, it)
		}
	}
	if err := cl.Add("asset-d", Claim{At: now, Item: item}); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	_, again, err := OpenClaimed(dir, now.Add(-time.Hour), nil, nil)
	if err != nil || again["asset-d"].Item != item || again["asset-r"].Item != fromRecord || len(again) != 4 {
		t.Fatalf("after a reopen: %+v %v", again, err)
	}
}
