package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// diskModel keeps what a power cut would leave of the queue's directory,
// pessimistically: a file's bytes as of its last fsync (empty if it was
// never fsynced), and a directory's names as of its last fsync (none if
// it was never fsynced). Directories themselves always survive.
type diskModel struct {
	mu    sync.Mutex
	bytes map[uint64][]byte            // inode -> bytes at its last fsync
	names map[string]map[string]uint64 // directory -> name -> inode, at its last fsync
}

func modelDisk(o *Options) *diskModel {
	m := &diskModel{bytes: map[uint64][]byte{}, names: map[string]map[string]uint64{}}
	o.fsync = func(f *os.File) error {
		if err := f.Sync(); err != nil {
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if !fi.IsDir() {
			b, err := os.ReadFile(f.Name())
			m.bytes[inode(fi)] = b
			return err
		}
		ents, err := os.ReadDir(f.Name())
		names := map[string]uint64{}
		for _, e := range ents {
			if i, err := e.Info(); err == nil && !i.IsDir() {
				names[e.Name()] = inode(i)
			}
		}
		m.names[filepath.Clean(f.Name())] = names
		return err
	}
	return m
}

func inode(fi os.FileInfo) uint64 { return fi.Sys().(*syscall.Stat_t).Ino }

// cut writes what the power cut leaves of dir into a new directory.
func (m *diskModel) cut(t *testing.T, dir string) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	img := filepath.Join(t.TempDir(), "after-power-cut")
	for _, sub := range []string{"", "journal", "spool"} {
		if err := os.MkdirAll(filepath.Join(img, sub), 0o700); err != nil {
			t.Fatal(err)
		}
		for name, ino := range m.names[filepath.Join(dir, sub)] {
			if err := os.WriteFile(filepath.Join(img, sub, name), m.bytes[ino], 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return img
}

// A power cut at each point of an rsync'd file's life: before the group
// commit it loses the file cleanly (nothing uploaded, nothing left, no
// damaged record); after it (the upload starts at once then, and the cut
// comes once the server made the asset, before the answer) the next Open
// finds that asset and sends nothing again, as after the upload.
func TestAPowerCutLosesAnRsyncdFileOnlyBeforeItsGroupCommitAndNeverUploadsItTwice(t *testing.T) {
	data := []byte(strings.Repeat("rsync'd bytes ", 1000))
	sum := sha256.Sum256(data)
	for _, cut := range []string{"before the commit", "after the commit", "after the upload"} {
		t.Run(cut, func(t *testing.T) {
			var m *diskModel
			e := newEnv(t, func(o *Options) {
				m = modelDisk(o)
				o.Hold = func(n string) bool { return strings.HasPrefix(n, ".") }
			})
			q := e.open()
			if cut == "after the commit" {
				e.srv.blockAfter = make(chan struct{})
			}
			id := e.write(q, ".photo.png.Xy12Ab", data)
			if err := q.Rename(id, "photo.png"); err != nil {
				t.Fatal(err)
			}
			if cut != "before the commit" {
				q.com.Flush()
			}
			if cut == "after the commit" {
				select {
				case <-e.srv.inUpload: // the asset is made; the answer waits
				case <-time.After(5 * time.Second):
					t.Fatal("the committed file's upload did not start at once")
				}
			}
			if cut == "after the upload" {
				if err := e.waitDriven(q, id); err != nil {
					t.Fatal(err)
				}
				e.waitIdle(q)
			}
			img := m.cut(t, e.dir)
			abort(q)

			e2 := newEnv(t, func(o *Options) { o.boot = otherBoot })
			e2.dir, e2.clk, e2.srv = img, e.clk, e.srv
			q2 := e2.open()
			if bad, _ := filepath.Glob(filepath.Join(img, "journal", "*.corrupt")); len(bad) > 0 {
				t.Fatalf("damaged records after the power cut: %v", bad)
			}
			if cut == "before the commit" {
				if items := q2.Items(); len(items) != 0 {
					t.Fatalf("items after a power cut before the commit: %+v", items)
				}
				e2.assertEmptyDirs()
				return
			}
			e2.waitIdle(q2)
			as := e.srv.byName("photo.png")
			if posts, _ := e.srv.counts(); posts != 1 || len(as) != 1 {
				t.Fatalf("posts = %d, assets %+v: want one upload", posts, as)
			}
			if got := e.srv.hashOf(as[0].ID); got != hex.EncodeToString(sum[:]) {
				t.Fatalf("uploaded bytes hash %s, want %x", got, sum)
			}
		})
	}
}
