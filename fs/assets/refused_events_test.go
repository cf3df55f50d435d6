package assets

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
)

// refusingUploader refuses every upload as a file of a bad type.
type refusingUploader struct{ nameUploader }

func (refusingUploader) UploadAsset(context.Context, io.Reader, string, string) (*api.Asset, error) {
	return nil, &api.Error{Status: 400, Message: "invalid file type"}
}

// A refusal an earlier mount left is one upload-refused line at mount,
// and a refusal during the mount one line when it happens (before sync
// returns), with nobody reading the events log or listing assets/.
func TestTheEventsLogHasARefusalOnceFromAnEarlierMountAndAsItHappens(t *testing.T) {
	dir := t.TempDir()
	state, spool := filepath.Join(dir, "state"), filepath.Join(dir, "uploads")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// An earlier mount: old.png refused.
	q, err := queue.Open(queue.Options{Dir: spool, Uploader: refusingUploader{}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	q.Start(queue.Observer{})
	if err := q.Wait(ctx, queueFile(t, q, "old.png", nil)); !errors.Is(err, api.ErrBadRequest) {
		t.Fatalf("Wait in the earlier mount = %v", err)
	}
	q.Close(context.Background())

	q, err = queue.Open(queue.Options{Dir: spool, Uploader: refusingUploader{}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close(context.Background()) }) // after the tree's
	root := treeOver(t, dir, state, q, log)
	events := func() string {
		b := make([]byte, root.Events.Size())
		return string(b[:root.Events.ReadAt(b, 0)])
	}
	if got := events(); strings.Count(got, " upload-refused assets/old.png\n") != 1 {
		t.Fatalf("events log at mount:\n%s\nwant one upload-refused line for old.png", got)
	}

	if err := q.Wait(ctx, queueFile(t, q, "new.png", nil)); !errors.Is(err, api.ErrBadRequest) {
		t.Fatalf("Wait = %v", err)
	}
	if got := events(); !strings.Contains(got, " upload-refused assets/new.png\n") {
		t.Fatalf("events log when sync of new.png returned:\n%s\nwant its upload-refused line", got)
	}
	time.Sleep(300 * time.Millisecond) // room for a second line, were one to come
	got := events()
	if strings.Count(got, " upload-refused assets/new.png\n") != 1 || strings.Count(got, " upload-refused ") != 2 {
		t.Fatalf("events log after new.png was refused:\n%s\nwant one line for each of old.png and new.png", got)
	}
}

// treeOver builds the tree of a mount whose uploads are q, with a content
// store in dir/content and local state in state; closed at the test's end.
func treeOver(t *testing.T, dir, state string, q *queue.Queue, log logrus.FieldLogger) testTree {
	t.Helper()
	store, err := cache.Open(cache.Options{Dir: filepath.Join(dir, "content"), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	client, err := api.New(api.Config{BaseURL: "http://api.test"})
	if err != nil {
		t.Fatal(err)
	}
	root, err := newTestTree(node.Config{Remote: client, Content: store, StateDir: state, Scope: "http://api.test", Uploads: q, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(root.Close)
	return root
}
