package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	localstate "github.com/kreafs/kreafs/cache/state"
	"github.com/kreafs/kreafs/cache/writeback"
	kfs "github.com/kreafs/kreafs/fs"
)

// An upload that finishes before the tree exists (resumed at start) still
// gives the asset the time set on the queued file, once the tree is set;
// one that finishes after goes to the tree directly.
func TestUploadsDoneBeforeTheTreeMoveTheirTimesOnceItIsSet(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	const scope = "http://api.test"
	when := time.Date(2017, 6, 5, 4, 3, 2, 0, time.UTC)
	m, err := localstate.OpenMtimes(localstate.MtimesPath(mkdir(t, state), scope))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"u:early", "u:late"} {
		if err := m.Set(k, when); err != nil {
			t.Fatal(err)
		}
	}
	m.Close()

	log := logrus.New()
	log.SetOutput(io.Discard)
	store, err := cache.Open(cache.Options{Dir: filepath.Join(dir, "content"), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	client, err := api.New(api.Config{BaseURL: scope})
	if err != nil {
		t.Fatal(err)
	}
	u := &uploadQueue{log: log, store: store}
	u.uploaded(writeback.Item{ID: "early", Name: "e.png"}, &api.Asset{ID: "asset-early"})

	root, err := kfs.NewRoot(kfs.Config{Remote: client, Content: store, StateDir: state, Scope: scope, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	u.setTree(root)
	u.uploaded(writeback.Item{ID: "late", Name: "l.png"}, &api.Asset{ID: "asset-late"})
	root.Close()

	m, err = localstate.OpenMtimes(localstate.MtimesPath(state, scope))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, k := range []string{"a:asset-early", "a:asset-late"} {
		if got, ok := m.Get(k); !ok || !got.Equal(when) {
			t.Errorf("%s: %v %v, want %v", k, got, ok, when)
		}
	}
	for _, k := range []string{"u:early", "u:late"} {
		if _, ok := m.Get(k); ok {
			t.Errorf("%s is still kept under the queued item", k)
		}
	}
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}
