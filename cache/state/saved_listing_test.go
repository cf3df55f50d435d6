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

// A listing that takes long to write is written less often: the time
// between writes grows with the last write's (saveCostFactor), so that a
// copy into a big account, which changes the listing at every upload,
// does not spend its CPU rewriting it every second.
func TestASavedListingThatTakesLongToWriteWaitsLongerBetweenWrites(t *testing.T) {
	dir := t.TempDir()
	s := NewSavedListing[api.Asset](dir, "assets", "https://api.krea.ai")
	big := benchAssets(20000)
	if err := s.Save(big, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.pmu.Lock()
	measured := s.cost
	// As if that write had taken 0.1 s and ended 1.5 s ago: past
	// SaveEvery, not past saveCostFactor times 0.1 s.
	s.cost, s.last = 100*time.Millisecond, time.Now().Add(-1500*time.Millisecond)
	s.pmu.Unlock()
	if measured <= 0 {
		t.Fatalf("the write's duration was not measured: %v", measured)
	}
	if err := s.Save([]api.Asset{testAsset("z", "z.png", "image/png")}, time.Now()); err != nil {
		t.Fatal(err)
	}
	reader := NewSavedListing[api.Asset](dir, "assets", "https://api.krea.ai") // reads the file only
	if items, _, err := reader.Load(); err != nil || len(items) != len(big) {
		t.Fatalf("a save 1.5 s after a 0.1 s write went to disk at once: %d items, %v", len(items), err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if items, _, err := reader.Load(); err != nil || len(items) != 1 || items[0].ID != "z" {
		t.Fatalf("after Flush: %v, %v; want the newest save", items, err)
	}
}
