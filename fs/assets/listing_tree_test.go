package assets

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
)

// newListingTree is assets/ of a tree without a mount, whose API lists one
// asset (listingRemote), with saved listings, and whose content cache
// fetches through fetcher (nil: none). It is closed when the test ends.
func newListingTree(t *testing.T, fetcher cache.Fetcher) *assetsDir {
	t.Helper()
	dir := t.TempDir()
	log := logrus.New()
	log.SetOutput(io.Discard)
	q, err := queue.Open(queue.Options{Dir: filepath.Join(dir, "uploads"), Uploader: nameUploader{}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close(context.Background()) })
	client, err := api.New(api.Config{BaseURL: "http://api.test"})
	if err != nil {
		t.Fatal(err)
	}
	store, err := cache.Open(cache.Options{Dir: filepath.Join(dir, "content"), Log: log, Fetcher: fetcher})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	root, err := newTestTree(node.Config{Remote: &listingRemote{Client: client}, StateDir: filepath.Join(dir, "state"),
		Scope: "http://api.test", Content: store, Uploads: q, Log: log, DirCacheTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(root.Close)
	return root.assets
}
