package assets

import (
	"fmt"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"

	"github.com/kreafs/kreafs/fs/view"
)

// benchAssets is a listing of n assets shaped like the emulator's: newest
// first, a third with a description, the rest named by id.
func benchAssets(n int) []api.Asset {
	as := make([]api.Asset, n)
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	mt := "image/png"
	for i := range as {
		sz := float64(100 + i)
		as[i] = api.Asset{ID: fmt.Sprintf("%08x-56ee-4510-9dce-c3ad077dec6c", i*7919), ImageURL: "http://x/y.png",
			UploadedAt: base.Add(-time.Duration(i) * time.Minute), MIMEType: &mt, SizeBytes: &sz}
		if i%3 == 1 {
			as[i].Description = fmt.Sprintf("sample %04d", i)
		}
	}
	return as
}

// Naming and indexing a listing of 10,000 assets is on the path of every
// cold ls.
func BenchmarkBuildTable(b *testing.B) {
	as := benchAssets(10000)
	for i := 0; i < b.N; i++ {
		view.NewAssetTable(1, as, nil)
	}
}

func BenchmarkAssetNames(b *testing.B) {
	as := benchAssets(10000)
	for i := 0; i < b.N; i++ {
		view.AssetNames(as)
	}
}
