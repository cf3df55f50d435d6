package fs

// The last good listing of a directory, saved on disk so that a mount
// started while the API is unreachable still shows its files (and reads
// what the content cache holds).
//
// Locking: snapshotFile.mu serialises saves (and a load racing a save).

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// snapshotFile is one saved listing: <dir>/<name>.json, 0600, written
// atomically (temp file, fsync, rename). Scope names the account it
// belongs to (the API URL): a snapshot of another scope is never loaded.
type snapshotFile[T any] struct {
	path  string
	scope string
	mu    sync.Mutex
}

type snapshotDoc[T any] struct {
	Scope   string    `json:"scope"`
	SavedAt time.Time `json:"saved_at"`
	Items   []T       `json:"items"`
}

// newSnapshotFile returns nil when dir is "" (snapshots disabled).
func newSnapshotFile[T any](dir, name, scope string) *snapshotFile[T] {
	if dir == "" {
		return nil
	}
	return &snapshotFile[T]{path: filepath.Join(dir, name+".json"), scope: scope}
}

// load returns the saved items and when they were saved. A missing file
// gives os.ErrNotExist; a file of another scope or a damaged one an error.
func (s *snapshotFile[T]) load() ([]T, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := os.ReadFile(s.path)
	if err != nil {
		return nil, time.Time{}, err
	}
	var doc snapshotDoc[T]
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, time.Time{}, fmt.Errorf("saved listing %s is damaged: %w", s.path, err)
	}
	if doc.Scope != s.scope {
		return nil, time.Time{}, errors.New("saved listing is of another API")
	}
	return doc.Items, doc.SavedAt, nil
}

// save replaces the saved listing with items.
func (s *snapshotFile[T]) save(items []T, now time.Time) error {
	b, err := marshalSnapshot(snapshotDoc[T]{Scope: s.scope, SavedAt: now, Items: items})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil { // cache dirs are private
			return err
		}
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(s.path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}
