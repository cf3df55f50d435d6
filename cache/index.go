package cache

// Locking: persist takes Store.flushMu, then Store.mu briefly to snapshot;
// fsyncs and the index write happen without Store.mu. load runs in Open
// before the Store is shared, so it takes no lock.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

const (
	indexName    = "index.json"
	indexVersion = 1
	indexMagic   = "kreafs-cache-index"
	objectsDir   = "objects"
	tmpDir       = "tmp"
	filePerm     = durable.FilePerm
	dirPerm      = durable.DirPerm
)

// indexFile is the persisted index: a header line
// "kreafs-cache-index 1 <crc32 of the rest, 8 hex digits>\n" and this JSON.
// Sizes is optional: an index without it (or a reader that ignores it)
// loses only the known sizes, so it needs no new version.
type indexFile struct {
	Next    uint64       `json:"next"`            // next data file incarnation
	Objects []indexEntry `json:"objects"`         // least recently used first
	Sizes   []sizeEntry  `json:"sizes,omitempty"` // known sizes of keys with no bytes cached, least recently used first
}

// sizeEntry is a size the server reported for a key the index lists no
// bytes of (learn_size.go): no data file.
type sizeEntry struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
}

type indexEntry struct {
	Key    string     `json:"key"`
	File   string     `json:"file"`   // relative to Dir, e.g. objects/ab/<sha256(key)>-7
	Size   int64      `json:"size"`   // -1 when the server has not told us
	Ranges [][2]int64 `json:"ranges"` // present [start, end) ranges, sorted, disjoint
}

var fileRe = regexp.MustCompile(`^objects/([0-9a-f]{2})/([0-9a-f]{64})-([0-9]{1,19})$`)

// fileNameLocked names a new data file for key: objects/<h[:2]>/<h>-<n>,
// h = hex sha256(key), n a fresh incarnation number, so that an object
// replaced or evicted while a reader still holds its file never shares a
// name with its successor.
func (s *Store) fileNameLocked(key string) string {
	inc := s.nextInc
	s.nextInc++
	h := keyHash(key)
	return objectsDir + "/" + h[:2] + "/" + h + "-" + strconv.FormatUint(inc, 10)
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
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
	idx := indexFile{Next: s.nextInc, Objects: []indexEntry{}}
	var synced []*object
	for _, o := range s.lru.Values() {
		if !o.indexed() {
			continue
		}
		e := indexEntry{Key: o.key, File: o.file, Size: -1, Ranges: make([][2]int64, len(o.present))}
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
		body, err := json.Marshal(idx)
		if err != nil {
			return err
		}
		return durable.WriteFile(filepath.Join(s.dir, indexName), append([]byte(indexHeader(body)), body...))
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

// indexHeader is the first line of the index file for the JSON body.
func indexHeader(body []byte) string {
	return fmt.Sprintf("%s %d %08x\n", indexMagic, indexVersion, crc32.ChecksumIEEE(body))
}

// decodeIndex parses and checks an index file. Any damage (bad header,
// checksum mismatch, invalid JSON) is an error: the caller starts empty.
func decodeIndex(data []byte) (*indexFile, error) {
	header, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, errors.New("no header")
	}
	f := strings.Fields(string(header))
	if len(f) != 3 || f[0] != indexMagic {
		return nil, errors.New("bad header")
	}
	if f[1] != strconv.Itoa(indexVersion) {
		return nil, fmt.Errorf("unsupported version %q", f[1])
	}
	sum, err := strconv.ParseUint(f[2], 16, 32)
	if err != nil || uint32(sum) != crc32.ChecksumIEEE(body) {
		return nil, errors.New("checksum mismatch")
	}
	var idx indexFile
	if err := json.Unmarshal(body, &idx); err != nil {
		return nil, err
	}
	return &idx, nil
}

// load reads the index and rebuilds the objects, dropping every entry that
// does not check out, and removes data files no entry refers to.
func (s *Store) load() {
	log := s.log.WithField("op", "load")
	indexPath := filepath.Join(s.dir, indexName)
	durable.RemoveTemps(indexPath) // a persist cut short
	os.Remove(indexPath + ".tmp")  // the same under the fixed name an existing cache may hold
	data, err := os.ReadFile(indexPath)
	var idx *indexFile
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		log.WithError(err).Warn("cannot read cache index, starting empty")
	default:
		if idx, err = decodeIndex(data); err != nil {
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
			s.usage += o.present.total()
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
func (s *Store) entryObject(e indexEntry, keep map[string]bool) (*object, uint64, error) {
	m := fileRe.FindStringSubmatch(e.File)
	if m == nil || m[2] != keyHash(e.Key) || m[1] != m[2][:2] {
		return nil, 0, errors.New("bad data file name")
	}
	if e.Key == "" || keep[e.File] || s.lru.Contains(e.Key) {
		return nil, 0, errors.New("duplicate entry")
	}
	inc, err := strconv.ParseUint(m[3], 10, 64)
	if err != nil {
		return nil, 0, err
	}
	if e.Size < -1 || e.Size >= maxOffset {
		return nil, 0, fmt.Errorf("bad size %d", e.Size)
	}
	present := make(spans, len(e.Ranges))
	for i, r := range e.Ranges {
		present[i] = span{r[0], r[1]}
	}
	if !present.valid() || (e.Size >= 0 && len(present) > 0 && present[len(present)-1].End > e.Size) {
		return nil, 0, errors.New("bad ranges")
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
		o.present, _ = o.present.remove(span{st.Size(), maxOffset})
	}
	if !o.indexed() {
		return nil, 0, nil
	}
	return o, inc, nil
}

// removeOrphans deletes data files the index does not refer to (downloads
// after the last persist, entries dropped as damaged) and leftovers in tmp/.
func (s *Store) removeOrphans(keep map[string]bool) {
	root := filepath.Join(s.dir, objectsDir)
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
