package view

import (
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestTableChangesTellTheKernelWhatWentAway(t *testing.T) {
	old := NewAssetTable(1, []api.Asset{
		asset("a", "keep.png", "image/png", 1),
		asset("b", "gone.png", "image/png", 2),
		asset("c", "moved.png", "image/png", 3),
	}, nil)
	cur := NewAssetTable(2, []api.Asset{
		asset("a", "keep.png", "image/png", 1),
		asset("c", "renamed.png", "image/png", 3),
		asset("d", "moved.png", "image/png", 4), // the old name now leads elsewhere
		asset("e", "new.png", "image/png", 5),
	}, nil)
	if got := strings.Join(cur.GoneNames(&old.Table), ","); got != "gone.png,moved.png" {
		t.Errorf("gone names %q", got)
	}
	if got := strings.Join(cur.GoneIDs(&old.Table), ","); got != "b" {
		t.Errorf("gone ids %q", got)
	}
	if cur.GoneNames(nil) != nil {
		t.Error("first listing: nothing to forget")
	}
	if strings.Join(cur.Names(), ",") != "keep.png,moved.png,new.png,renamed.png" {
		t.Errorf("sorted names %v", cur.Names())
	}
	if cur.NameOf.At("c") != "renamed.png" || cur.ByName.At("moved.png").ID != "d" || cur.ByID.At("e") == nil {
		t.Error("indexes")
	}
}
