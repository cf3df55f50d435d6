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
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := s.Sync(d); err != nil && !unsyncable(err) {
		return err
	}
	return nil
}

// syncPath fsyncs the file or directory at p (a directory that cannot be
// fsynced counts as synced, as in SyncDir).
func (s Syncer) syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	err = s.Sync(f)
	if fi, serr := f.Stat(); err != nil && serr == nil && fi.IsDir() && unsyncable(err) {
		err = nil
	}
	return err
}

// SyncFile is the package's SyncFile through s.
func (s Syncer) SyncFile(path string) error {
	f, err := os.Open(path)
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
// commit).
type GroupSync struct {
	path  string
	fsync Syncer

	mu       sync.Mutex
	cond     *sync.Cond
	running  bool
	started  uint64 // fsyncs begun
	finished uint64 // the number of the last fsync that ended
	err      error  // its result
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
		d.mu.Unlock()
		err := d.fsync.syncPath(d.path)
		d.mu.Lock()
		d.running, d.finished, d.err = false, n, err
		d.cond.Broadcast()
	}
	return d.err
}
