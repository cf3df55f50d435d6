package durable

// Writes through a chosen fsync, unsynced atomic replaces, and the group
// commit of directory fsyncs.
//
// Rules (in addition to the package's):
//   - A Syncer is the fsync a writer uses: nil is (*os.File).Sync; tests
//     pass a counting one. Syncer(nil).WriteFile is WriteFile.
//   - Replace is WriteFile without any fsync: atomic for the processes
//     that read the file, and after a kill -9 (the page cache survives),
//     but a power cut may leave the old file, the new one, or an empty
//     one. Never Replace a file that was written durably: an empty file
//     would then stand where a durable one was.
//   - GroupSync.Sync returns once an fsync of its file or directory that
//     began after the call has ended: callers that arrive while one runs
//     share the next one (group commit).
//   - A GroupSync opens its path at its first Sync and keeps that
//     descriptor, so that each fsync costs one fsync system call (not an
//     open, fstat and close too). It then fsyncs that inode: an owner that
//     replaces the path (a rename over it) calls Reset after the rename and
//     before the next Sync that must cover the new file. Close releases the
//     descriptor; a Sync after Close opens the path for that fsync alone.
//     After a failed fsync the descriptor is dropped and the next Sync
//     opens the path again.

import (
	"os"
	"path/filepath"
	"sync"
)

// Syncer fsyncs an open file or directory; nil is (*os.File).Sync.
type Syncer func(f *os.File) error

// Sync fsyncs f through s.
func (s Syncer) Sync(f *os.File) error {
	if s == nil {
		return f.Sync()
	}
	return s(f)
}

// WriteFile is the package's WriteFile through s.
func (s Syncer) WriteFile(path string, data []byte) error {
	dir, err := s.writeRenamed(path, data)
	if err != nil {
		return err
	}
	return s.SyncDir(dir)
}

func (s Syncer) writeRenamed(path string, data []byte) (string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return dir, err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(FilePerm)
	}
	if err == nil {
		err = s.Sync(tmp)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return dir, err
}

// SyncDir is the package's SyncDir through s.
func (s Syncer) SyncDir(dir string) error {
	d, err := Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := s.Sync(d); err != nil && !unsyncable(err) {
		return err
	}
	return nil
}

// syncOpen fsyncs f, an open file or directory (a directory that cannot
// be fsynced counts as synced, as in SyncDir).
func (s Syncer) syncOpen(f *os.File) error {
	err := s.Sync(f)
	if err != nil && unsyncable(err) {
		if fi, serr := f.Stat(); serr == nil && fi.IsDir() {
			err = nil
		}
	}
	return err
}

// syncPath fsyncs the file or directory at p through a descriptor of its
// own.
func (s Syncer) syncPath(p string) error {
	f, err := Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.syncOpen(f)
}

// SyncFile is the package's SyncFile through s.
func (s Syncer) SyncFile(path string) error {
	f, err := Open(path)
	if err != nil {
		return err
	}
	err = s.Sync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// GroupSync fsyncs one file or directory for many callers (group
// commit), through a descriptor it keeps (see the rules above).
type GroupSync struct {
	path  string
	fsync Syncer

	mu       sync.Mutex
	cond     *sync.Cond
	running  bool
	started  uint64   // fsyncs begun
	finished uint64   // the number of the last fsync that ended
	err      error    // its result
	f        *os.File // the kept descriptor; nil before the first Sync, after a failure, Reset or Close
	stale    bool     // f is of a replaced file: the next fsync closes it (Reset while one ran)
	closed   bool     // Close was called: fsync by path, keep nothing
}

// NewGroupSync returns a GroupSync of the file or directory at path that
// fsyncs through s.
func NewGroupSync(path string, s Syncer) *GroupSync {
	d := &GroupSync{path: path, fsync: s}
	d.cond = sync.NewCond(&d.mu)
	return d
}

// Sync returns once an fsync of the path that began after this call has
// ended, with that fsync's error.
func (d *GroupSync) Sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	need := d.started + 1 // the next fsync to begin covers this call
	for d.finished < need {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		n := d.started
		f, stale, closed := d.f, d.stale, d.closed
		d.f, d.stale = nil, false
		d.mu.Unlock()
		f, err := d.syncKept(f, stale, closed)
		d.mu.Lock()
		d.running, d.finished, d.err = false, n, err
		if d.closed && f != nil { // Close came while this fsync ran
			f.Close()
			f = nil
		}
		d.f = f
		d.cond.Broadcast()
	}
	return d.err
}

// syncKept fsyncs through f (opening the path when f is nil or stale) and
// returns the descriptor to keep: nil after a failure or when closed.
func (d *GroupSync) syncKept(f *os.File, stale, closed bool) (*os.File, error) {
	if f != nil && stale {
		f.Close()
		f = nil
	}
	if closed {
		return nil, d.fsync.syncPath(d.path)
	}
	if f == nil {
		var err error
		if f, err = Open(d.path); err != nil {
			return nil, err
		}
	}
	if err := d.fsync.syncOpen(f); err != nil {
		f.Close() // the next Sync opens the path afresh
		return nil, err
	}
	return f, nil
}

// Reset makes the next fsync that begins open the path again: the owner
// calls it after it replaced the file at the path (rename), so that Syncs
// cover the new file rather than the replaced one.
func (d *GroupSync) Reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running {
		d.stale = true // the running fsync keeps its descriptor; the next one drops it
		return
	}
	if d.f != nil {
		d.f.Close()
		d.f = nil
	}
}

// Close releases the kept descriptor. Syncs after it still work, each
// through a descriptor of its own (as SyncFile).
func (d *GroupSync) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.running || d.f == nil { // a running fsync closes its descriptor when it ends
		return nil
	}
	err := d.f.Close()
	d.f = nil
	return err
}
