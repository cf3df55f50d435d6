package state

// Jobs removed from a mount's jobs/ listing that Krea cannot delete: Krea
// only cancels a job (DELETE /jobs/{id}) while it is queued or processing,
// so `rm -r jobs/<id>` of any other job hides it here instead. The set is
// kept in the state directory, one small JSON file per account (scope),
// so a hidden job stays hidden across remounts on this machine; another
// machine (or another cache directory) lists it again.
//
// Consistency: every Add and Remove rewrites the whole file atomically
// (temp file, fsync, rename, fsync of the directory) before it returns, so
// a crash leaves either the old or the new set. The file is 0600 in a
// 0700 directory. A damaged file is reported by OpenHiddenJobs and the set
// starts empty; the next Add replaces the file.
//
// Locking: HiddenJobs.mu guards ids and every write of the file.

import (
	"errors"
	"sort"
	"sync"
)

// HiddenJobs is a persistent set of job ids. A nil *HiddenJobs is an
// empty set that cannot grow.
type HiddenJobs struct {
	mu   sync.Mutex
	path string // "" keeps the set in memory only
	ids  map[string]bool
}

// hiddenJobsDoc is the file's content.
type hiddenJobsDoc struct {
	Version int      `json:"version"`
	IDs     []string `json:"hidden_job_ids"`
}

// HiddenJobsPath is the file for the account scope under stateDir.
func HiddenJobsPath(stateDir, scope string) string {
	return scopedPath(stateDir, "hidden-jobs-", scope, ".json")
}

// OpenHiddenJobs loads the set at path ("" : a set kept in memory only).
// A missing file is an empty set. A damaged file gives an empty set AND
// an error saying so (the caller logs it and goes on with the set).
func OpenHiddenJobs(path string) (*HiddenJobs, error) {
	h := &HiddenJobs{path: path, ids: map[string]bool{}}
	if path == "" {
		return h, nil
	}
	var doc hiddenJobsDoc
	if err := readJSONFile(path, "hidden jobs", "starting with none hidden", &doc); err != nil {
		return h, err
	}
	for _, id := range doc.IDs {
		if id != "" {
			h.ids[id] = true
		}
	}
	return h, nil
}

// Has reports whether id is hidden.
func (h *HiddenJobs) Has(id string) bool {
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ids[id]
}

// Len is the number of hidden ids.
func (h *HiddenJobs) Len() int {
	if h == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ids)
}

// Add hides id and saves the set. On a failed save the set is unchanged.
func (h *HiddenJobs) Add(id string) error {
	if h == nil {
		return errors.New("cache: hidden jobs: no set")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ids[id] {
		return nil
	}
	h.ids[id] = true
	if err := h.saveLocked(); err != nil {
		delete(h.ids, id)
		return err
	}
	return nil
}

// Remove shows id again and saves the set. On a failed save the set is
// unchanged.
func (h *HiddenJobs) Remove(id string) error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.ids[id] {
		return nil
	}
	delete(h.ids, id)
	if err := h.saveLocked(); err != nil {
		h.ids[id] = true
		return err
	}
	return nil
}

// saveLocked writes the set atomically. Called with mu held.
func (h *HiddenJobs) saveLocked() error {
	if h.path == "" {
		return nil
	}
	doc := hiddenJobsDoc{Version: 1, IDs: make([]string, 0, len(h.ids))}
	for id := range h.ids {
		doc.IDs = append(doc.IDs, id)
	}
	sort.Strings(doc.IDs)
	return writeJSONFile(h.path, "hidden jobs", doc)
}
