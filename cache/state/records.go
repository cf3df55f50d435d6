package state

// records is a small persistent map from a key to a record, kept in one
// JSON file that every change rewrites whole, atomically and durably
// (durable.WriteFile) before it returns: a crash leaves the old map or the
// new one. A missing file is an empty map; a damaged one is reported by
// open and the map starts empty (the next change replaces the file). A
// change whose save fails leaves the map as it was.
//
// Locking: records.mu guards m and every write of the file (a leaf).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

type records[V any] struct {
	mu   sync.Mutex
	what string // for errors: "local folders", "trash"
	path string // "" keeps the map in memory only
	m    map[string]V
}

// recordsDoc is the file's content.
type recordsDoc[V any] struct {
	Version int          `json:"version"`
	Items   map[string]V `json:"items"`
}

func openRecords[V any](what, path string) (*records[V], error) {
	r := &records[V]{what: what, path: path, m: map[string]V{}}
	if path == "" {
		return r, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("cache: %s: %w", what, err)
	}
	var doc recordsDoc[V]
	if err := json.Unmarshal(b, &doc); err != nil {
		return r, fmt.Errorf("cache: %s file %s is damaged, starting empty: %w", what, path, err)
	}
	for k, v := range doc.Items {
		r.m[k] = v
	}
	return r, nil
}

func (r *records[V]) get(key string) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[key]
	return v, ok
}

// keys lists the keys, sorted.
func (r *records[V]) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.m))
	for k := range r.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// update applies change to a copy of the map and saves it; the map is
// replaced only when the save succeeds. change returns false to make no
// change (nothing is written).
func (r *records[V]) update(change func(m map[string]V) bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := make(map[string]V, len(r.m)+1)
	for k, v := range r.m {
		next[k] = v
	}
	if !change(next) {
		return nil
	}
	if r.path != "" {
		b, err := json.MarshalIndent(recordsDoc[V]{Version: 1, Items: next}, "", "  ")
		if err == nil {
			err = durable.MkdirPrivate(filepath.Dir(r.path))
		}
		if err == nil {
			err = durable.WriteFile(r.path, append(b, '\n'))
		}
		if err != nil {
			return fmt.Errorf("cache: %s: %w", r.what, err)
		}
	}
	r.m = next
	return nil
}
