package queue

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/cache/upload/dedupe"
)

// A file queued under a path in a folder of assets/ ("album/beach.png")
// is uploaded with that path as its description (what shows it in the
// folder everywhere) and its last segment as the upload's file name.
func TestAFileInAFolderIsUploadedWithItsPathAsDescription(t *testing.T) {
	em, err := emulator.Start(emulator.Options{HostedNames: true})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	client, err := api.New(api.Config{BaseURL: em.URL(), Token: em.Token()})
	if err != nil {
		t.Fatal(err)
	}
	q, err := Open(Options{Dir: filepath.Join(t.TempDir(), "wb"), Uploader: client, Log: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	q.Start(Observer{})
	defer q.Close(context.Background())
	id, f, err := q.Create("album/2024/beach.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(tinyPNG(1)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := q.WaitAll(ctx); err != nil {
		t.Fatal(err)
	}
	as := em.Assets()
	if len(as) != 1 || as[0].Description != "album/2024/beach.png" {
		t.Fatalf("assets: %+v", as)
	}
	if h := dedupe.HostedName(as[0].ImageURL); h != "beach.png" {
		t.Errorf("the upload's file name is %q, want the last segment", h)
	}
}
