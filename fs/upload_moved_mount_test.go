package fs

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// vim's backup dance: mv NAME NAME~, (a write of NAME fails), mv NAME~
// NAME. The asset comes back as it was: same id, nothing uploaded, nothing
// deleted.
func TestAnAssetRenamedToATempNameAndBackUnchangedKeepsItsIDAndUploadsNothing(t *testing.T) {
	e := mountWrites(t, writeSetup{delay: 0})
	data := pngBytes()
	a, err := e.emu.AddAsset(data, "keep.png")
	if err != nil {
		t.Fatal(err)
	}
	e.seen(t, "keep.png")
	if err := os.Rename(e.asset("keep.png"), e.asset("keep.png~")); err != nil {
		t.Fatal(err)
	}
	if ls := e.ls(t); has(ls, "keep.png") || !has(ls, "keep.png~") {
		t.Errorf("after mv to the backup name: %v", ls)
	}
	if err := os.Rename(e.asset("keep.png~"), e.asset("keep.png")); err != nil {
		t.Fatal(err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if got, err := os.ReadFile(e.asset("keep.png")); err != nil || !bytes.Equal(got, data) {
		t.Errorf("keep.png after the move back: %v (or other bytes)", err)
	}
	if got := e.assetsNamed("keep.png"); len(got) != 1 || got[0].ID != a.ID || e.emu.UploadCount() != 0 {
		t.Errorf("after the move back: %d assets named keep.png (want the same id %s), %d uploads", len(got), a.ID, e.emu.UploadCount())
	}
	if ls := e.ls(t); !has(ls, "keep.png") || has(ls, "keep.png~") {
		t.Errorf("ls after the move back: %v", ls)
	}

	// Changed while under the temp name (written at once, through the
	// kernel's entry that may still lead to the asset's inode): renamed
	// back, it is a new version, uploaded, and replaces the asset.
	if err := os.Rename(e.asset("keep.png"), e.asset("keep.png~")); err != nil {
		t.Fatal(err)
	}
	other := wavBytes(4096)
	if err := os.WriteFile(e.asset("keep.png~"), other, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(e.asset("keep.png~"), e.asset("keep.png")); err != nil {
		t.Fatal(err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "one asset with the new bytes", func() error {
		got := e.assetsNamed("keep.png")
		if len(got) != 1 || got[0].ID == a.ID {
			return os.ErrNotExist
		}
		return nil
	})

	// Renamed to a temp name and removed: the asset is deleted (rm of the
	// file that was it).
	if err := os.Rename(e.asset("keep.png"), e.asset("keep.png~")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(e.asset("keep.png~")); err != nil {
		t.Fatal(err)
	}
	if err := e.syncDir(t); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "no asset named keep.png", func() error {
		if len(e.assetsNamed("keep.png")) != 0 {
			return os.ErrExist
		}
		return nil
	})
}
