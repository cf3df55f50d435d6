package emulator_test

import (
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestFilesLatencyDelaysDownloadsButLatencyAloneDoesNot(t *testing.T) {
	s := start(t, emulator.Options{SeedAssets: 1, Latency: 300 * time.Millisecond})
	url := s.Assets()[0].ImageURL
	t0 := time.Now()
	fetch(t, url)
	if el := time.Since(t0); el >= 300*time.Millisecond {
		t.Errorf("a download took %v with only the API's latency set", el)
	}
	s.SetLatency(0)
	s.SetFilesLatency(150 * time.Millisecond)
	t0 = time.Now()
	if a := fetch(t, url); a.status != 200 {
		t.Fatalf("download with files latency: %d", a.status)
	}
	if el := time.Since(t0); el < 150*time.Millisecond {
		t.Errorf("a download with 150ms files latency took %v", el)
	}
	t0 = time.Now()
	call(t, s, "GET", "/assets", nil, "")
	if el := time.Since(t0); el >= 150*time.Millisecond {
		t.Errorf("an API request took %v with only the files latency set", el)
	}
}
