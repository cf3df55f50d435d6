package cache

// Importing an uploaded file by hard link instead of by copy.
//
// After an upload, kreafs keeps the uploaded bytes as the new asset's
// content (Import). Copying the bytes there was most of what `sync FILE`
// spent after the POST of a large file. The upload
// spool is never written again once uploaded, and it lives on the same
// file system as the cache, so a hard link makes it the cache's data file
// at no cost. Where linking is not possible (another file system, a file
// that was replaced meanwhile) Import copies as before.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// ImportFinal is Import for a file that nobody writes again and whose
// bytes are durable already (an uploaded spool file: the upload queue
// fsyncs a spool before its upload starts): its data file becomes a hard
// link to f's file when it can, and the index then claims it without
// another fsync; else a copy. f must have been opened by a path (f.Name()).
func (s *Store) ImportFinal(key string, f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cache: import %s: %w", key, err)
	}
	size := st.Size()
	if size > s.opt.MaxBytes || !st.Mode().IsRegular() || st.Mode().Perm()&^filePerm != 0 {
		return s.Import(key, f)
	}
	// A name of our own in Dir/tmp (private, emptied at Open): a link
	// fails rather than replace anything there. Not os.CreateTemp, whose
	// file creation and removal cost as much as the link itself (a CPU
	// profile of an rsync of 1,000 small files).
	tmpName := filepath.Join(s.dir, tmpDir, fmt.Sprintf("link-%d", linkSeq.Add(1)))
	if err := os.Link(f.Name(), tmpName); err != nil {
		return s.Import(key, f)
	}
	// The link is removed unless installed (an os.Remove after the rename
	// is an unlink and an rmdir that both fail: two system calls per
	// imported file).
	installed := false
	defer func() {
		if !installed {
			os.Remove(tmpName)
		}
	}()
	// The name may have been given to another file since f was opened.
	if lst, err := os.Stat(tmpName); err != nil || !os.SameFile(st, lst) {
		return s.Import(key, f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.installLocked(key, tmpName, size); err != nil {
		return err
	}
	installed = true
	if o, ok := s.lru.Peek(key); ok {
		o.dirty = false // f's bytes are durable: persist need not fsync them
	}
	return nil
}

// linkSeq names ImportFinal's links.
var linkSeq atomic.Uint64

// installLocked makes the complete file at tmpName (in Dir/tmp) the data
// file of key, replacing whatever was cached.
func (s *Store) installLocked(key, tmpName string, size int64) error {
	o := newObject(key, s.fileNameLocked(key), size)
	path := s.path(o)
	// The data file's directory is made when missing (not checked before
	// each rename: two stats per imported file).
	err := os.Rename(tmpName, path)
	if errors.Is(err, fs.ErrNotExist) {
		if err = durable.MkdirPrivate(filepath.Dir(path)); err == nil {
			err = os.Rename(tmpName, path)
		}
	}
	if err != nil {
		return fmt.Errorf("cache: import %s: %w", key, err)
	}
	if old, ok := s.lru.Peek(key); ok {
		s.doomLocked(old)
	}
	o.sizeOK = true
	o.present, _ = o.present.Add(span{Start: 0, End: size})
	o.dirty = true
	s.lru.Add(key, o)
	s.usage += size
	s.dirty = true
	s.evictLocked()
	return nil
}
