package cache

// Writing and loading the index; its format (header, JSON, data file
// names, the checks of one entry) is cache/internal/index.
//
// Locking: persist takes Store.flushMu, then Store.mu briefly to snapshot;
// fsyncs and the index write happen without Store.mu. load runs in Open
// before the Store is shared, so it takes no lock.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/internal/durable"
	"github.com/kreafs/kreafs/cache/internal/index"
)

const (
	tmpDir   = "tmp"
	filePerm = durable.FilePerm
	dirPerm  = durable.DirPerm
)

// fileNameLocked names a new data file for key (index.FileName) with a
// fresh incarnation number.
func (s *Store) fileNameLocked(key string) string {
	inc := s.nextInc
	s.nextInc++
	return index.FileName(key, inc)
}

func (s *Store) path(o *object) string { return filepath.Join(s.dir, filepath.FromSlash(o.file)) }

func parentDir(p string) string { return filepath.Dir(p) }

// indexed says whether the index lists o as an object: it has bytes, or
// is known to be empty. Only the size of any other is kept (sizes).
func (o *object) indexed() bool { return len(o.present) > 0 || (o.sizeOK && o.size == 0) }

// persist writes the index: snapshot under the lock, fsync the data files
// that changed since the last persist (so the index never claims bytes the
// disk may not have after a power cut), then replace index.json with
// durable.WriteFile (temp file, fsync, rename, fsync of the directory).
func (s *Store) persist() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	idx := index.File{Next: s.nextInc, Objects: []index.Entry{}}
	var synced []*object
	for _, o := range s.lru.Values() {
		if !o.indexed() {
			continue
		}
		e := index.Entry{Key: o.key, File: o.file, Size: -1, Ranges: make([][2]int64, len(o.present))}
		if o.sizeOK {
			e.Size = o.size
		}
		for i, r := range o.present {
			e.Ranges[i] = [2]int64{r.Start, r.End}
		}
		idx.Objects = append(idx.Objects, e)
		if o.dirty {
			o.dirty = false
			synced = append(synced, o)
		}
	}
	idx.Sizes = s.knownSizesLocked()
	s.dirty = false
	s.mu.Unlock()

	err := func() error {
		for _, o := range synced {
			if err := durable.SyncFile(s.path(o)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		data, err := index.Encode(&idx)
		if err != nil {
			return err
		}
		return durable.WriteFile(filepath.Join(s.dir, index.Name), data)
	}()
	if err != nil {
		s.mu.Lock()
		s.dirty = true
		for _, o := range synced {
			o.dirty = true
		}
		s.mu.Unlock()
		return fmt.Errorf("cache: persist index: %w", err)
	}
	return nil
}

// load reads the index and rebuilds the objects, dropping every entry that
// does not check out, and removes data files no entry refers to.
func (s *Store) load() {
	log := s.log.WithField("op", "load")
	indexPath := filepath.Join(s.dir, index.Name)
	durable.RemoveTemps(indexPath) // a persist cut short
	os.Remove(indexPath + ".tmp")  // the same under the fixed name an existing cache may hold
	data, err := os.ReadFile(indexPath)
	var idx *index.File
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		log.WithError(err).Warn("cannot read cache index, starting empty")
	default:
		if idx, err = index.Decode(data); err != nil {
			log.WithError(err).Warn("cache index damaged, starting empty")
			s.dirty = true
		}
	}
	keep := map[string]bool{} // data files still referenced
	if idx != nil {
		s.nextInc = max(s.nextInc, idx.Next)
		for _, e := range idx.Objects {
			o, inc, err := s.entryObject(e, keep)
			if err != nil {
				log.WithFields(logrus.Fields{"key": e.Key, "file": e.File}).WithError(err).Warn("dropping damaged cache entry")
				s.dirty = true
				continue
			}
			if o == nil {
				s.dirty = true
				continue
			}
			keep[o.file] = true
			s.nextInc = max(s.nextInc, inc+1)
			s.lru.Add(o.key, o)
			s.usage += o.present.Total()
		}
		if bad := s.loadSizes(idx.Sizes); bad > 0 {
			log.WithField("dropped", bad).Warn("dropping damaged known sizes from the cache index")
			s.dirty = true
		}
		if len(idx.Sizes) > s.sizes.Len() {
			s.dirty = true // some dropped, or more than the bound
		}
	}
	s.removeOrphans(keep)
}

// entryObject checks one index entry against its data file. A nil object
// with a nil error means the entry holds nothing worth keeping.
func (s *Store) entryObject(e index.Entry, keep map[string]bool) (*object, uint64, error) {
	inc, err := e.Incarnation()
	if err != nil {
		return nil, 0, err
	}
	if e.Key == "" || keep[e.File] || s.lru.Contains(e.Key) {
		return nil, 0, errors.New("duplicate entry")
	}
	if err := e.Check(); err != nil {
		return nil, 0, err
	}
	present := make(spans, len(e.Ranges))
	for i, r := range e.Ranges {
		present[i] = span{Start: r[0], End: r[1]}
	}
	o := newObject(e.Key, e.File, e.Size)
	o.sizeOK = e.Size >= 0
	o.present = present
	st, err := os.Lstat(s.path(o))
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, errors.New("data file is not a regular file")
	}
	if n := len(present); n > 0 && present[n-1].End > st.Size() {
		s.log.WithFields(logrus.Fields{"op": "load", "key": e.Key, "file_size": st.Size(), "claimed": present[n-1].End}).
			Warn("cache data file shorter than its index entry (torn write?), dropping the missing part")
		o.present, _ = o.present.Remove(span{Start: st.Size(), End: maxOffset})
	}
	if !o.indexed() {
		return nil, 0, nil
	}
	return o, inc, nil
}

// removeOrphans deletes data files the index does not refer to (downloads
// after the last persist, entries dropped as damaged) and leftovers in tmp/.
func (s *Store) removeOrphans(keep map[string]bool) {
	root := filepath.Join(s.dir, index.ObjectsDir)
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.dir, p)
		if err != nil || keep[filepath.ToSlash(rel)] {
			return nil
		}
		if err := os.Remove(p); err != nil {
			s.log.WithFields(logrus.Fields{"op": "load", "file": rel}).WithError(err).Warn("cannot remove orphan cache file")
		}
		return nil
	})
	if ents, err := os.ReadDir(filepath.Join(s.dir, tmpDir)); err == nil {
		for _, e := range ents {
			os.RemoveAll(filepath.Join(s.dir, tmpDir, e.Name()))
		}
	}
}
