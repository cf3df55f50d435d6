package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// poolFiles lists the pool's files in spool/.
func poolFiles(t *testing.T, l Layout) []string {
	t.Helper()
	ents, err := os.ReadDir(l.Spool)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), spoolPoolPrefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

// startPool starts p with a Take from the empty pool, which tells the
// caller to make its own file.
func startPool(t *testing.T, l Layout, p *SpoolPool) {
	t.Helper()
	if f, ok := p.Take(l.SpoolPath(NewID(), 0)); ok {
		f.Close()
		t.Fatal("a pool never asked for had a file")
	}
}

// waitPool waits until spool/ holds n pool files.
func waitPool(t *testing.T, l Layout, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(poolFiles(t, l)) != n {
		if time.Now().After(deadline) {
			t.Fatalf("spool/ holds pool files %v, want %d", poolFiles(t, l), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestASpoolFileTakenFromThePoolIsAnEmptyPrivateFileUnderItsNewName(t *testing.T) {
	l, err := NewLayout(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := l.NewSpoolPool(3)
	defer p.Close()
	startPool(t, l, p)
	waitPool(t, l, 3)

	id := NewID()
	path := l.SpoolPath(id, 0)
	f, ok := p.Take(path)
	if !ok {
		t.Fatal("no file from a full pool")
	}
	if _, err := f.WriteString("hello"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "hello" {
		t.Fatalf("%s holds %q, %v; want what was written", path, b, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	// The pool is filled again, and the taken file is a spool file of id.
	waitPool(t, l, 3)
	gens, err := l.SpoolGens()
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) != 1 || len(gens[id]) != 1 {
		t.Errorf("SpoolGens = %v, want only %s.0 (pool files are not spool files)", gens, id)
	}
}

func TestAnEmptyPoolTellsTheCallerToCreateTheFileItself(t *testing.T) {
	l, err := NewLayout(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := l.NewSpoolPool(1)
	startPool(t, l, p)
	waitPool(t, l, 1)
	if _, ok := p.Take(l.SpoolPath(NewID(), 0)); !ok {
		t.Fatal("no file from a full pool")
	}
	p.Close()
	if f, ok := p.Take(l.SpoolPath(NewID(), 0)); ok {
		f.Close()
		t.Fatal("a closed pool handed out a file")
	}
	var nilPool *SpoolPool
	if _, ok := nilPool.Take(l.SpoolPath(NewID(), 0)); ok {
		t.Fatal("a nil pool handed out a file")
	}
}

func TestPoolFilesAreRemovedAtCloseAndThoseAKilledMountLeftAtTheNextStart(t *testing.T) {
	dir := t.TempDir()
	l, err := NewLayout(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := l.NewSpoolPool(4)
	time.Sleep(10 * time.Millisecond)
	waitPool(t, l, 0) // nothing made before the first Take
	startPool(t, l, p)
	waitPool(t, l, 4)
	p.Close()
	waitPool(t, l, 0)

	// A mount killed with a full pool leaves its files behind.
	for _, n := range []string{"pool-0", "pool-7", "pool-12"} {
		if err := os.WriteFile(filepath.Join(l.Spool, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p = l.NewSpoolPool(2)
	defer p.Close()
	waitPool(t, l, 0)
	startPool(t, l, p)
	waitPool(t, l, 2)
	if got := poolFiles(t, l); got[0] != "pool-0" || got[1] != "pool-1" {
		t.Errorf("pool files %v, want the left ones removed and pool-0, pool-1 made", got)
	}
}
