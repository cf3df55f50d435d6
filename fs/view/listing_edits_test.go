package view

import (
	"fmt"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

func editAsset(id, desc string, ageMin int) api.Asset {
	png := "image/png"
	return api.Asset{ID: id, Description: desc, MIMEType: &png,
		UploadedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(ageMin) * time.Minute)}
}

func TestListingEditsAreIdempotent(t *testing.T) {
	a, b := editAsset("a", "a.png", 1), editAsset("b", "b.png", 2)
	list := []api.Asset{a}
	add := WithAsset(b)
	if got := add(add(list)); len(got) != 2 || got[1].ID != "b" {
		t.Errorf("adding twice: %+v", got)
	}
	drop := WithoutIDs("a", "zz")
	if got := drop(drop([]api.Asset{a, b})); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("dropping twice: %+v", got)
	}
}

// Uploads landing one by one on a listing grown in place are each added
// once, also when one lands twice, after a delete (a new array), and on a
// listing fetched anew that already has them.
func TestAssetsLandingOneByOneAreAddedOnceWhateverTheListingWasBefore(t *testing.T) {
	var l []api.Asset
	for i := 0; i < 100; i++ {
		l = append(l, api.Asset{ID: fmt.Sprintf("old-%03d", i)})
	}
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("new-%03d", i)
		l = WithAsset(api.Asset{ID: id})(l)
		l = WithAsset(api.Asset{ID: id})(l) // the same landing again
		if i%10 == 0 {
			l = WithAsset(api.Asset{ID: "old-007"})(l) // listed before
		}
	}
	if len(l) != 150 {
		t.Fatalf("%d assets after 50 uploads on 100, want 150", len(l))
	}
	l = WithoutIDs("new-010", "old-000")(l)
	l = WithAssets([]api.Asset{{ID: "new-010"}, {ID: "new-011"}, {ID: "new-010"}})(l)
	if len(l) != 149 || l[len(l)-1].ID != "new-010" {
		t.Fatalf("after a delete and a re-add: %d assets, last %s", len(l), l[len(l)-1].ID)
	}
	fetched := append([]api.Asset(nil), l...)
	if got := WithAsset(api.Asset{ID: "new-049"})(fetched); len(got) != 149 {
		t.Fatalf("a fetched listing that has the upload got it again: %d", len(got))
	}
	if got := WithAsset(api.Asset{ID: "old-000"})(fetched); len(got) != 150 {
		t.Fatalf("a fetched listing without the upload did not get it: %d", len(got))
	}
}
