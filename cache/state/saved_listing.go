package state

// The last good listing of a directory, saved on disk so that a mount
// started while the API is unreachable still shows its files (and reads
// what the content cache holds).
//
// Consistency: a save replaces the file with durable.WriteFile, so a
// crash leaves the previous listing or the new one. Saves are written at
// most once per SaveEvery, or per saveCostFactor times the last write's
// duration when that is longer (a listing of 20,000 assets takes 30-50 ms
// to write here, so 3-5 s; during a bulk copy it changes at every upload,
// and its writes took 7% of the mount's CPU at one a second): a Save
// within that time of the last write is kept in memory and written,
// newest only, when it has passed (or at Flush, or at Load). A crash (or
// an exit without Flush) loses at most the listing changes of those last
// seconds: the saved listing is a cache, shown only while the API is
// unreachable, and replaced by the next listing that succeeds.
//
// Locking: SavedListing.mu serialises writes (and a load racing a write);
// SavedListing.pmu guards the pending save, the timer and the last write
// time; order mu before pmu.

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

	pmu     sync.Mutex
	pending *snapshotDoc[T] // newest save not written yet
	timer   *time.Timer     // writes pending when SaveEvery has passed
	last    time.Time       // real time of the last write
	cost    time.Duration   // how long the last write took
	err     error           // of a write the timer did: returned by the next Save or Flush
}

// SaveEvery is the shortest time between two writes of a saved listing.
const SaveEvery = time.Second

// saveCostFactor: writes of a saved listing take at most one
// saveCostFactor-th of the time (package doc).
const saveCostFactor = 100

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

// Load returns the saved items and when they were saved (a save not yet
// written is written first). A missing file gives os.ErrNotExist; a file
// of another scope or a damaged one an error.
func (s *SavedListing[T]) Load() ([]T, time.Time, error) {
	s.Flush()
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

// Save replaces the saved listing with items: now, or within SaveEvery
// (then the error of that write comes with a later Save or Flush). items
// must not change afterwards.
func (s *SavedListing[T]) Save(items []T, now time.Time) error {
	s.pmu.Lock()
	s.pending = &snapshotDoc[T]{Scope: s.scope, SavedAt: now, Items: items}
	err := s.err
	s.err = nil
	wait := max(SaveEvery, saveCostFactor*s.cost) - time.Since(s.last)
	if wait > 0 {
		if s.timer == nil {
			s.timer = time.AfterFunc(wait, s.flushLater)
		}
		s.pmu.Unlock()
		return err
	}
	s.pmu.Unlock()
	if ferr := s.Flush(); ferr != nil {
		err = ferr
	}
	return err
}

func (s *SavedListing[T]) flushLater() {
	if err := s.Flush(); err != nil {
		s.pmu.Lock()
		s.err = err
		s.pmu.Unlock()
	}
}

// Flush writes the pending save, if any, now.
func (s *SavedListing[T]) Flush() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pmu.Lock()
	doc := s.pending
	s.pending = nil
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if doc != nil {
		s.last = time.Now()
	}
	s.pmu.Unlock()
	if doc == nil {
		return nil
	}
	start := time.Now()
	defer func() {
		s.pmu.Lock()
		s.cost = time.Since(start)
		s.pmu.Unlock()
	}()
	b, err := marshalSnapshot(*doc)
	if err != nil {
		return err
	}
	if err := durable.MkdirPrivate(filepath.Dir(s.path)); err != nil {
		return err
	}
	return durable.WriteFile(s.path, b)
}
