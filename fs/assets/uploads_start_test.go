package assets

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	localstate "github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
)

// nameUploader makes an asset "asset-NAME" of every upload.
type nameUploader struct{}

func (nameUploader) UploadAsset(_ context.Context, _ io.Reader, filename, _ string) (*api.Asset, error) {
	return &api.Asset{ID: "asset-" + filename}, nil
}
func (nameUploader) DeleteAsset(context.Context, string) error      { return nil }
func (nameUploader) AllAssets(context.Context) ([]api.Asset, error) { return nil, nil }

// An upload resumed at start (queued by an earlier mount) finishes only
// once the tree exists, and gives the asset the time set on the queued
// file; so does one queued after the tree was built.
func TestUploadsResumedAtStartAndLaterMoveTheirTimesToTheAsset(t *testing.T) {
	dir := t.TempDir()
	state, spool := filepath.Join(dir, "state"), filepath.Join(dir, "uploads")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	const scope = "http://api.test"
	when := time.Date(2017, 6, 5, 4, 3, 2, 0, time.UTC)
	log := logrus.New()
	log.SetOutput(io.Discard)

	// An earlier mount queued e.png (its upload due in an hour) and set
	// its time.
	q, err := queue.Open(queue.Options{Dir: spool, Uploader: nameUploader{}, Delay: time.Hour, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	early := queueFile(t, q, "e.png", nil)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, err := localstate.OpenMtimes(localstate.MtimesPath(state, scope))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Set(itemTimeKey(early), when); err != nil {
		t.Fatal(err)
	}
	m.Close()

	q, err = queue.Open(queue.Options{Dir: spool, Uploader: nameUploader{}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(context.Background())
	store, err := cache.Open(cache.Options{Dir: filepath.Join(dir, "content"), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	client, err := api.New(api.Config{BaseURL: scope})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if it, ok := q.Get(early); !ok || it.State != queue.Pending {
		t.Fatalf("before the tree: %+v %v, want pending (nothing uploads before the tree exists)", it, ok)
	}
	root, err := newTestTree(node.Config{Remote: client, Content: store, StateDir: state, Scope: scope, Uploads: q, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Wait(ctx, early); err != nil {
		t.Fatal(err)
	}
	late := queueFile(t, q, "l.png", func(id string) { // touch -d while it is open
		root.KeepMtime(itemTimeKey(id), &fuse.SetAttrIn{SetAttrInCommon: fuse.SetAttrInCommon{
			Valid: fuse.FATTR_MTIME, Mtime: uint64(when.Unix())}})
	})
	if err := q.Wait(ctx, late); err != nil {
		t.Fatal(err)
	}
	root.Close()

	m, err = localstate.OpenMtimes(localstate.MtimesPath(state, scope))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, k := range []string{"a:asset-e.png", "a:asset-l.png"} {
		if got, ok := m.Get(k); !ok || !got.Equal(when) {
			t.Errorf("%s: %v %v, want %v", k, got, ok, when)
		}
	}
	for _, id := range []string{early, late} {
		if _, ok := m.Get(itemTimeKey(id)); ok {
			t.Errorf("%s is still kept under the queued item", id)
		}
	}
}

// queueFile queues a small file under name and returns its item id;
// open (if set) runs while the file is open for writing.
func queueFile(t *testing.T, q *queue.Queue, name string, open func(id string)) string {
	t.Helper()
	id, f, err := q.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\x89PNG\r\n\x1a\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if open != nil {
		open(id)
	}
	if err := q.Release(id); err != nil {
		t.Fatal(err)
	}
	return id
}
