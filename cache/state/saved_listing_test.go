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

// A listing that changes many times a second (a copy of many files, each
// re-listed) is written at most once a second, the newest each time, and
// a pending save is written by Flush (unmount) or before a Load.
func TestSavedListingIsWrittenAtMostOnceASecondNewestWins(t *testing.T) {
	d, err := OpenDir(t.TempDir(), "https://api.krea.ai")
	if err != nil {
		t.Fatal(err)
	}
	s := Saved[api.Asset](d, "assets")
	onDisk := func() string {
		t.Helper()
		other := NewSavedListing[api.Asset](d.path, "assets", d.scope) // reads the file only
		items, _, err := other.Load()
		if err != nil || len(items) != 1 {
			t.Fatalf("saved listing on disk: %v %v", items, err)
		}
		return items[0].ID
	}
	now := time.Now()
	for _, id := range []string{"a", "b", "c"} {
		if err := s.Save([]api.Asset{testAsset(id, id+".png", "image/png")}, now); err != nil {
			t.Fatal(err)
		}
	}
	missed := time.Now() // c is written after this (the file is read below and holds a)
	if got := onDisk(); got != "a" {
		t.Fatalf("on disk right after three saves: %q, want the first only", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		before := time.Now()
		if onDisk() == "c" {
			break
		}
		missed = before
		if time.Now().After(deadline) {
			t.Fatal("the newest save was not written within a second or so")
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Save([]api.Asset{testAsset("d", "d.png", "image/png")}, now)
	// Unless a second has passed since c was written (a stalled machine),
	// d waits.
	if got := onDisk(); got != "c" && time.Since(missed) < SaveEvery {
		t.Fatalf("a save within a second of the last write went to disk at once: %q", got)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := onDisk(); got != "d" {
		t.Fatalf("after Flush: %q, want d", got)
	}
}
