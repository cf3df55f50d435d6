package journal

// Empty spool files made ahead of need. A create in assets/ (rsync's
// CREATE of each temp file, cp's of each file) needs a spool file, and
// making one allocates an inode, which on some file systems costs far
// more than the rest of the create: on an ext4 without a journal an
// allocation skips every inode removed in the last minute or more,
// reading each. The pool makes a few files in the background, so that a
// create renames one into place (no allocation on the program's path);
// the first create of a mount makes its own and starts the pool.
//
// Pool files are spool/pool-<n>: SpoolGens ignores them, and a pool
// removes those an earlier mount left (a kill -9, a power cut) when it
// starts. Locking: SpoolPool.mu guards free, closed and next; no other
// lock is taken under it, and no file system call is made under it.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// spoolPoolPrefix names the pool's files in spool/.
const spoolPoolPrefix = "pool-"

// SpoolPool keeps up to size empty files in spool/ for Take.
type SpoolPool struct {
	dir  string
	size int

	mu     sync.Mutex
	free   []pooled
	closed bool
	next   int

	want chan struct{} // a Take left the pool short (capacity 1)
	done chan struct{}
	wg   sync.WaitGroup
}

// pooled is one empty file of the pool, open for reading and writing.
type pooled struct {
	f    *os.File
	path string
}

// NewSpoolPool removes the pool files an earlier pool left in spool/
// and returns an empty pool of size files, filled in the background from
// the first Take on (a mount that writes nothing makes none).
func (l Layout) NewSpoolPool(size int) *SpoolPool {
	p := &SpoolPool{dir: l.Spool, size: size, want: make(chan struct{}, 1), done: make(chan struct{})}
	if ents, err := os.ReadDir(p.dir); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), spoolPoolPrefix) {
				os.Remove(filepath.Join(p.dir, e.Name()))
			}
		}
	}
	p.wg.Add(1)
	go p.fill()
	return p
}

// Take renames a pooled file to path (a new spool file's name, which
// nothing else has: item ids are random) and returns it open for
// reading and writing, at offset 0 and empty (its Name is the pool
// file's: callers go by the path they gave). false: none is ready (or
// the rename failed); the caller creates the file itself.
func (p *SpoolPool) Take(path string) (*os.File, bool) {
	if p == nil {
		return nil, false
	}
	p.mu.Lock()
	n := len(p.free)
	if n == 0 || p.closed {
		p.mu.Unlock()
		p.refill()
		return nil, false
	}
	pf := p.free[n-1]
	p.free = p.free[:n-1]
	p.mu.Unlock()
	p.refill()
	if err := os.Rename(pf.path, path); err != nil {
		pf.f.Close()
		os.Remove(pf.path)
		return nil, false
	}
	return pf.f, true
}

// refill asks the filler for more files.
func (p *SpoolPool) refill() {
	select {
	case p.want <- struct{}{}:
	default:
	}
}

// fill makes files until the pool is full, each time it is asked.
func (p *SpoolPool) fill() {
	defer p.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case <-p.want:
		}
		for {
			p.mu.Lock()
			if p.closed || len(p.free) >= p.size {
				p.mu.Unlock()
				break
			}
			n := p.next
			p.next++
			p.mu.Unlock()
			path := filepath.Join(p.dir, spoolPoolPrefix+strconv.Itoa(n))
			f, err := durable.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				break // creates make their own files; the next Take asks again
			}
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				f.Close()
				os.Remove(path)
				return
			}
			p.free = append(p.free, pooled{f: f, path: path})
			p.mu.Unlock()
		}
	}
}

// Close stops the filler and removes the files not taken.
func (p *SpoolPool) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	free := p.free
	p.free = nil
	p.mu.Unlock()
	close(p.done)
	p.wg.Wait()
	for _, pf := range free {
		pf.f.Close()
		os.Remove(pf.path)
	}
}
