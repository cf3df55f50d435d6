package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHiddenJobsSurviveReopening(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := HiddenJobsPath(dir, "https://api.krea.ai")
	h, err := OpenHiddenJobs(path)
	if err != nil {
		t.Fatal(err)
	}
	if h.Has("a") || h.Len() != 0 {
		t.Fatal("a new set is not empty")
	}
	for _, id := range []string{"4d0e5f97-9721-4422-b88c-73a9032d7de1", "b", "c"} {
		if err := h.Add(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Remove("b"); err != nil {
		t.Fatal(err)
	}
	again, err := OpenHiddenJobs(path)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Has("4d0e5f97-9721-4422-b88c-73a9032d7de1") || !again.Has("c") || again.Has("b") || again.Len() != 2 {
		t.Errorf("reopened set: len %d, has c %v, has b %v", again.Len(), again.Has("c"), again.Has("b"))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %v, want 0700", di.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if len(left) != 0 {
		t.Errorf("temp files left: %q", left)
	}
}

func TestHiddenJobsOfAnotherAccountAreSeparate(t *testing.T) {
	dir := t.TempDir()
	if HiddenJobsPath(dir, "https://api.krea.ai") == HiddenJobsPath(dir, "http://127.0.0.1:9999") {
		t.Fatal("two scopes share one file")
	}
}

func TestDamagedHiddenJobsFileStartsEmptyAndIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hidden.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := OpenHiddenJobs(path)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged file: err %v, want one saying so", err)
	}
	if h == nil || h.Len() != 0 {
		t.Fatal("no usable empty set after a damaged file")
	}
	if err := h.Add("x"); err != nil {
		t.Fatal(err)
	}
	if again, err := OpenHiddenJobs(path); err != nil || !again.Has("x") {
		t.Errorf("after Add over a damaged file: %v, has x %v", err, again.Has("x"))
	}
}

func TestHiddenJobsAddFailsWithoutChangingTheSet(t *testing.T) {
	// The state "directory" is a file: nothing can be written below it.
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h, _ := OpenHiddenJobs(filepath.Join(notDir, "hidden.json")) // unreadable: an empty set
	if err := h.Add("x"); err == nil {
		t.Fatal("Add below a regular file succeeded")
	}
	if h.Has("x") {
		t.Error("a failed Add left the id hidden")
	}
}

func TestHiddenJobsInMemoryAndNil(t *testing.T) {
	h, err := OpenHiddenJobs("")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Add("x"); err != nil || !h.Has("x") {
		t.Errorf("in-memory set: %v, has %v", err, h.Has("x"))
	}
	var none *HiddenJobs
	if none.Has("x") || none.Len() != 0 || none.Remove("x") != nil {
		t.Error("nil set is not empty")
	}
}
