package view

import (
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
