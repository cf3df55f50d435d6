package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKeptNamesSurviveReopenAndTornLines(t *testing.T) {
	dir := t.TempDir()
	path := NamesPath(dir, "https://api.example")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k, err := OpenNames(path)
	if err != nil {
		t.Fatal(err)
	}
	for id, name := range map[string]string{"a": "IMG_0001", "b": "my \"holiday\"\n.png", "c": "gone.png"} {
		if err := k.Set(id, name, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Prune(func(id string) bool { return id != "c" }, now.Add(NameGrace/2)); err != nil {
		t.Fatal(err)
	}
	if k.Get("c") != "gone.png" {
		t.Fatalf("c pruned within the grace: %q", k.Get("c"))
	}
	if err := k.Prune(func(id string) bool { return id != "c" }, now.Add(2*NameGrace)); err != nil {
		t.Fatal(err)
	}
	k.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`set "d" "torn`) // a crash in the middle of a line
	f.Close()

	k, err = OpenNames(path)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	want := map[string]string{"a": "IMG_0001", "b": "my \"holiday\"\n.png", "c": "", "d": ""}
	for id, name := range want {
		if got := k.Get(id); got != name {
			t.Errorf("after reopen, name of %s = %q, want %q", id, got, name)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log mode: %v %v", fi, err)
	}
	if filepath.Dir(path) != dir || !strings.HasPrefix(filepath.Base(path), "names-") {
		t.Errorf("log path %s", path)
	}
	var nilStore *Names
	if nilStore.Get("a") != "" || nilStore.Set("a", "b", now) != nil || nilStore.Lookup() != nil {
		t.Error("a nil store must keep nothing")
	}
}
