package state

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// Dir is the state directory of one account. A Dir with no path keeps
// nothing on disk: Mtimes and Names are nil, HiddenJobs is kept in memory
// and SavedListing is nil.
type Dir struct {
	path  string
	scope string

	mu    sync.Mutex // guards saved
	saved []interface{ Flush() error }
}

// OpenDir creates (0700) the state directory path for the account scope.
// path "" keeps nothing.
func OpenDir(path, scope string) (*Dir, error) {
	if path != "" {
		if err := durable.MkdirPrivate(path); err != nil {
			return nil, fmt.Errorf("cache: state dir: %w", err)
		}
	}
	return &Dir{path: path, scope: scope}, nil
}

// Mtimes opens the account's modification times (nil without a path).
func (d *Dir) Mtimes() (*Mtimes, error) {
	if d.path == "" {
		return nil, nil
	}
	return OpenMtimes(MtimesPath(d.path, d.scope))
}

// Names opens the account's kept names (nil without a path).
func (d *Dir) Names() (*Names, error) {
	if d.path == "" {
		return nil, nil
	}
	return OpenNames(NamesPath(d.path, d.scope))
}

// HiddenJobs opens the account's hidden jobs (see OpenHiddenJobs for a
// damaged file).
func (d *Dir) HiddenJobs() (*HiddenJobs, error) {
	if d.path == "" {
		return OpenHiddenJobs("")
	}
	return OpenHiddenJobs(HiddenJobsPath(d.path, d.scope))
}

// Saved is the saved listing called name of d's account (nil without a
// path).
func Saved[T any](d *Dir, name string) *SavedListing[T] {
	s := NewSavedListing[T](d.path, name, d.scope)
	if s != nil {
		d.mu.Lock()
		d.saved = append(d.saved, s)
		d.mu.Unlock()
	}
	return s
}

// Flush writes the saves of d's saved listings that are still pending
// (SaveEvery): at unmount.
func (d *Dir) Flush() error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	saved := append([]interface{ Flush() error }(nil), d.saved...)
	d.mu.Unlock()
	var errs []error
	for _, s := range saved {
		errs = append(errs, s.Flush())
	}
	return errors.Join(errs...)
}

// scopedPath is the file kind+<hash of scope>+ext under stateDir: each
// account (API URL) has its own files.
func scopedPath(stateDir, kind, scope, ext string) string {
	sum := sha256.Sum256([]byte(scope))
	return filepath.Join(stateDir, kind+hex.EncodeToString(sum[:8])+ext)
}

// Folders opens the account's local folders (kept in memory only without
// a path; see OpenFolders for a damaged file).
func (d *Dir) Folders() (*Folders, error) {
	if d.path == "" {
		return OpenFolders("")
	}
	return OpenFolders(FoldersPath(d.path, d.scope))
}

// Trash opens the account's trash (kept in memory only without a path;
// see OpenTrash for a damaged file).
func (d *Dir) Trash() (*Trash, error) {
	if d.path == "" {
		return OpenTrash("")
	}
	return OpenTrash(TrashPath(d.path, d.scope))
}
