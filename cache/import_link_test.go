package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportFinalLinksTheFileAndSurvivesItsRemoval(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, nil, nil)
	spool := filepath.Join(t.TempDir(), "spool")
	content := []byte(strings.Repeat("uploaded bytes ", 1000))
	if err := os.WriteFile(spool, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(spool)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportFinal("asset-1", f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	noLinksLeft(t, dir)
	r := s.Open(Source{Key: "asset-1", Size: -1})
	defer r.Close()
	if !r.Complete() || r.File() == nil {
		t.Fatal("imported object is not complete")
	}
	src, _ := os.Stat(spool)
	data, _ := r.File().Stat()
	if !os.SameFile(src, data) {
		t.Errorf("the data file is a copy, not a link to the uploaded file")
	}
	os.Remove(spool) // the queue removes its spool after the upload
	mustEqual(t, "imported", readAll(t, r, 4096), content)
	if s.Usage() != int64(len(content)) {
		t.Errorf("usage %d, want %d", s.Usage(), len(content))
	}
	r.Close()
	s.Close()
	s2 := testStore(t, dir, nil, nil) // persisted like any object
	r2 := s2.Open(Source{Key: "asset-1", Size: -1})
	defer r2.Close()
	mustEqual(t, "after reopening the store", readAll(t, r2, 4096), content)
}

// noLinksLeft fails when ImportFinal left a link in the store's tmp.
func noLinksLeft(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left in tmp: %s", e.Name())
	}
}

// openSpool writes content to a new file and opens it (closed at the
// test's end).
func openSpool(t *testing.T, content string) *os.File {
	t.Helper()
	spool := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(spool, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(spool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestImportFinalCopiesWhenTheNameLeadsElsewhere(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, nil, nil)
	f := openSpool(t, "the opened file")
	spool := f.Name()
	// The name now names another file: the opened one's bytes must win.
	os.Remove(spool)
	os.WriteFile(spool, []byte("another file"), 0o600)
	if err := s.ImportFinal("k", f); err != nil {
		t.Fatal(err)
	}
	r := s.Open(Source{Key: "k", Size: -1})
	defer r.Close()
	if got := string(readAll(t, r, 100)); got != "the opened file" {
		t.Errorf("imported %q", got)
	}
	other, _ := os.Stat(spool)
	data, _ := r.File().Stat()
	if os.SameFile(other, data) {
		t.Error("linked the file that took the name")
	}
	noLinksLeft(t, dir)
}

func TestImportFinalIntoAClosedStoreLeavesNoLink(t *testing.T) {
	dir := t.TempDir()
	s := testStore(t, dir, nil, nil)
	f := openSpool(t, "late upload")
	s.Close()
	if err := s.ImportFinal("k", f); !errors.Is(err, ErrClosed) {
		t.Fatalf("import into a closed store: %v, want ErrClosed", err)
	}
	noLinksLeft(t, dir)
}
