package state

import (
	"fmt"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// testAsset is an asset with a description and a MIME type.
func testAsset(id, desc, mime string) api.Asset {
	return api.Asset{ID: id, Description: desc, MIMEType: &mime}
}

// benchAssets is a listing of n assets shaped like Krea's, a third of
// them described.
func benchAssets(n int) []api.Asset {
	as := make([]api.Asset, n)
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i := range as {
		sz := float64(100 + i)
		as[i] = testAsset(fmt.Sprintf("%08x-56ee-4510-9dce-c3ad077dec6c", i*7919), "", "image/png")
		as[i].ImageURL, as[i].UploadedAt, as[i].SizeBytes = "http://x/y.png", base.Add(-time.Duration(i)*time.Minute), &sz
		if i%3 == 1 {
			as[i].Description = fmt.Sprintf("sample %04d", i)
		}
	}
	return as
}

func TestSnapshotRoundTripAndScope(t *testing.T) {
	dir := t.TempDir()
	s := NewSavedListing[api.Asset](dir, "assets", "https://api.krea.ai")
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Save([]api.Asset{testAsset("a", "x.png", "image/png")}, at); err != nil {
		t.Fatal(err)
	}
	items, savedAt, err := s.Load()
	if err != nil || len(items) != 1 || items[0].ID != "a" || !savedAt.Equal(at) {
		t.Errorf("load: %v %v %v", items, savedAt, err)
	}
	other := NewSavedListing[api.Asset](dir, "assets", "http://127.0.0.1:8787")
	if _, _, err := other.Load(); err == nil {
		t.Error("a listing of another API was loaded")
	}
	if NewSavedListing[api.Asset]("", "assets", "x") != nil {
		t.Error("no dir: snapshots must be off")
	}
}
