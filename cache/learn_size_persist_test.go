package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kreafs/kreafs/cache/internal/index"
)

// readIndex decodes dir's index file.
func readIndex(t *testing.T, dir string) *index.File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, index.Name))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// A size learned by a probe is known to the next store on the same
// directory: Has and LearnSize answer without a request, a reader knows
// the size, and still no data file exists.
func TestALearnedSizeIsKnownAfterReopenWithoutAFetch(t *testing.T) {
	f := newFake()
	src, data := f.add("asset/a", 300_000)
	src.Size = -1
	empty, _ := f.add("asset/empty", 0)
	empty.Size = -1
	dir := t.TempDir()
	s := testStore(t, dir, f, nil)
	for _, c := range []Source{src, empty} {
		if _, err := s.LearnSize(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before := f.numCalls()

	s = testStore(t, dir, f, nil)
	if n, complete := s.Has(src.Key); n != 300_000 || complete {
		t.Errorf("Has after reopen: %d, %v; want 300000, false", n, complete)
	}
	if n, complete := s.Has(empty.Key); n != 0 || !complete {
		t.Errorf("Has of an empty object after reopen: %d, %v; want 0, true", n, complete)
	}
	for _, c := range []Source{src, empty} {
		if n, err := s.LearnSize(t.Context(), c); n != int64(len(f.objects[c.URL])) || err != nil {
			t.Errorf("LearnSize of %s after reopen: %d, %v", c.Key, n, err)
		}
	}
	if n := f.numCalls() - before; n != 0 {
		t.Errorf("knowing sizes learned before the reopen made %d fetches; want 0", n)
	}
	if u := s.Usage(); u != 0 {
		t.Errorf("usage %d with only sizes known; want 0", u)
	}
	noDataFiles(t, dir)
	r := s.Open(src)
	if n := r.Size(); n != 300_000 {
		t.Errorf("Reader.Size after reopen: %d; want 300000", n)
	}
	mustEqual(t, "read after reopen", readRange(t, r, 299_990, 100), data[299_990:])
	r.Close()
}

func noDataFiles(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(filepath.Join(dir, index.ObjectsDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("data file %s when only sizes are known", p)
		}
		return nil
	})
}

// Evicting an object's bytes keeps its size, in memory and across a
// reopen; deleting the object (Remove) forgets it.
func TestEvictionKeepsTheSizeAndRemoveForgetsIt(t *testing.T) {
	f := newFake()
	a, _ := f.add("asset/a", 200_000)
	b, _ := f.add("asset/b", 200_000)
	c, _ := f.add("asset/c", 1000)
	dir := t.TempDir()
	s := testStore(t, dir, f, func(o *Options) { o.MaxBytes = 300_000 })
	for _, src := range []Source{a, b} { // b's bytes push a's out
		r := s.Open(src)
		readAll(t, r, 64<<10)
		r.Close()
	}
	if n, complete := s.Has(a.Key); n != 200_000 || complete {
		t.Errorf("Has of the evicted object: %d, %v; want 200000, false", n, complete)
	}
	r := s.Open(c)
	readAll(t, r, 64<<10)
	r.Close()
	s.Remove(c.Key)
	if n, _ := s.Has(c.Key); n != -1 {
		t.Errorf("Has after Remove: %d; want -1", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before := f.numCalls()
	s = testStore(t, dir, f, func(o *Options) { o.MaxBytes = 300_000 })
	for key, want := range map[string]int64{a.Key: 200_000, b.Key: 200_000, c.Key: -1} {
		if n, _ := s.Has(key); n != want {
			t.Errorf("Has(%s) after reopen: %d; want %d", key, n, want)
		}
	}
	if n, err := s.LearnSize(t.Context(), Source{Key: a.Key, URL: a.URL, Size: -1}); n != 200_000 || err != nil {
		t.Errorf("LearnSize of the evicted object: %d, %v", n, err)
	}
	if n := f.numCalls() - before; n != 0 {
		t.Errorf("%d fetches for sizes known before; want 0", n)
	}
}

// The known sizes are bounded by count: an index listing more keeps the
// most recent maxKnownSizes; one learned past the bound pushes out the
// least recently used (Has counts as a use), and what is written back
// holds the bound.
func TestKnownSizesAreBoundedByCountLeastRecentlyUsedFirst(t *testing.T) {
	dir := t.TempDir()
	const extra = 10
	idx := index.File{Next: 1, Objects: []index.Entry{}}
	key := func(i int) string { return fmt.Sprintf("asset/%06d", i) }
	for i := range maxKnownSizes + extra {
		idx.Sizes = append(idx.Sizes, index.Size{Key: key(i), Size: int64(i)})
	}
	writeIndex(t, dir, idx)
	f := newFake()
	s := testStore(t, dir, f, nil)
	for i := range extra {
		if n, _ := s.Has(key(i)); n != -1 {
			t.Fatalf("Has(%s), beyond the bound: %d; want -1", key(i), n)
		}
	}
	if n, _ := s.Has(key(extra)); n != extra { // now the most recently used
		t.Fatalf("Has(%s): %d; want %d", key(extra), n, extra)
	}
	src, _ := f.add("asset/new", 77)
	if n, err := s.LearnSize(t.Context(), Source{Key: src.Key, URL: src.URL, Size: -1}); n != 77 || err != nil {
		t.Fatalf("LearnSize: %d, %v", n, err)
	}
	if n, _ := s.Has(key(extra + 1)); n != -1 {
		t.Errorf("the least recently used size survived a learned one past the bound: %d", n)
	}
	if n, _ := s.Has(key(extra)); n != extra {
		t.Errorf("a size just used was dropped: %d", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := readIndex(t, dir).Sizes
	if len(got) != maxKnownSizes {
		t.Errorf("index holds %d sizes; want the bound %d", len(got), maxKnownSizes)
	}
	if len(got) > 0 && got[len(got)-1].Key != key(extra) {
		t.Errorf("most recently used size in the index: %q; want %q", got[len(got)-1].Key, key(extra))
	}
}

// Known sizes that do not check out are dropped, the rest kept: an empty
// key, a size out of range, a key listed twice, or one an object holds.
func TestDamagedKnownSizesAreDroppedAndTheRestKept(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	s := testStore(t, dir, f, nil)
	src, _ := f.add("asset/obj", 100)
	r := s.Open(src)
	readAll(t, r, 64<<10)
	r.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	idx := readIndex(t, dir)
	idx.Sizes = []index.Size{
		{Key: "", Size: 5},
		{Key: "asset/neg", Size: -2},
		{Key: "asset/huge", Size: maxOffset},
		{Key: "asset/obj", Size: 999},
		{Key: "asset/twice", Size: 7},
		{Key: "asset/twice", Size: 8},
		{Key: "asset/ok", Size: 42},
	}
	writeIndex(t, dir, *idx)
	s = testStore(t, dir, f, nil)
	for key, want := range map[string]int64{"": -1, "asset/neg": -1, "asset/huge": -1, "asset/obj": 100, "asset/twice": 7, "asset/ok": 42} {
		if n, _ := s.Has(key); n != want {
			t.Errorf("Has(%q): %d; want %d", key, n, want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := readIndex(t, dir).Sizes
	if len(got) != 2 {
		t.Errorf("sizes written back: %+v; want asset/twice and asset/ok", got)
	}
}
