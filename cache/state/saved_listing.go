package state

// The last good listing of a directory, saved on disk so that a mount
// started while the API is unreachable still shows its files (and reads
// what the content cache holds).
//
// Consistency: a save replaces the file with durable.WriteFile, so a
// crash leaves the previous listing or the new one.
//
// Locking: SavedListing.mu serialises saves (and a load racing a save).

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// SavedListing is one saved listing: <dir>/<name>.json, 0600 in a 0700
// directory. Scope names the account it belongs to (the API URL): a
// listing of another scope is never loaded.
type SavedListing[T any] struct {
	path  string
	scope string
	mu    sync.Mutex
}

type snapshotDoc[T any] struct {
	Scope   string    `json:"scope"`
	SavedAt time.Time `json:"saved_at"`
	Items   []T       `json:"items"`
}

// NewSavedListing returns nil when dir is "" (saved listings disabled).
func NewSavedListing[T any](dir, name, scope string) *SavedListing[T] {
	if dir == "" {
		return nil
	}
	return &SavedListing[T]{path: filepath.Join(dir, name+".json"), scope: scope}
}

// Load returns the saved items and when they were saved. A missing file
// gives os.ErrNotExist; a file of another scope or a damaged one an error.
func (s *SavedListing[T]) Load() ([]T, time.Time, error) {
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

// Save replaces the saved listing with items.
func (s *SavedListing[T]) Save(items []T, now time.Time) error {
	b, err := marshalSnapshot(snapshotDoc[T]{Scope: s.scope, SavedAt: now, Items: items})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := durable.MkdirPrivate(filepath.Dir(s.path)); err != nil {
		return err
	}
	return durable.WriteFile(s.path, b)
}
