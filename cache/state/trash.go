package state

// The trash of a mount (MOUNT/.Trash-<uid>, in the layout of the
// freedesktop.org Trash specification). Trashing an asset hides it from
// assets/ on this machine without deleting it on Krea; restoring it shows
// it again (no upload); deleting it from the trash deletes it on Krea.
// What is trashed is kept here, one JSON file per account (records.go for
// the consistency rules), so a trashed asset stays in the trash across
// remounts on this machine; another machine (or another cache directory)
// still lists it in assets/.

import "errors"

// TrashEntry is one item of the trash: files/<Name> and
// info/<Name>.trashinfo.
type TrashEntry struct {
	Name string `json:"name"` // its name in files/ (info/<Name>.trashinfo)
	// ID is the trashed asset, when the item is one file; "" for a folder
	// (Files) or while only the info file has been written.
	ID string `json:"id,omitempty"`
	// Files are the assets of a trashed folder, by path inside it.
	Files map[string]string `json:"files,omitempty"`
	// Path is where the item was, relative to the mount
	// ("assets/album/beach.png"), decoded; Deleted is the DeletionDate as
	// written ("2026-12-05T06:19:37"). Both come from the info file.
	Path    string `json:"path"`
	Deleted string `json:"deleted"`
	// HasInfo is true once info/<Name>.trashinfo exists.
	HasInfo bool `json:"has_info,omitempty"`
}

// Trash is the persistent trash of one account. A nil *Trash is empty and
// cannot grow.
type Trash struct{ r *records[TrashEntry] }

// TrashPath is the file for the account scope under stateDir.
func TrashPath(stateDir, scope string) string {
	return scopedPath(stateDir, "trash-", scope, ".json")
}

// OpenTrash loads the trash at path ("": kept in memory only). A damaged
// file gives an empty trash AND an error saying so.
func OpenTrash(path string) (*Trash, error) {
	r, err := openRecords[TrashEntry]("trash", path)
	return &Trash{r: r}, err
}

// Get is the entry called name.
func (t *Trash) Get(name string) (TrashEntry, bool) {
	if t == nil {
		return TrashEntry{}, false
	}
	return t.r.get(name)
}

// List is every entry, sorted by name.
func (t *Trash) List() []TrashEntry {
	if t == nil {
		return nil
	}
	var out []TrashEntry
	for _, k := range t.r.keys() {
		if e, ok := t.r.get(k); ok {
			out = append(out, e)
		}
	}
	return out
}

// Hidden is the set of trashed asset ids (files and folders' files).
func (t *Trash) Hidden() map[string]bool {
	out := map[string]bool{}
	for _, e := range t.List() {
		if e.ID != "" {
			out[e.ID] = true
		}
		for _, id := range e.Files {
			out[id] = true
		}
	}
	return out
}

// Put adds or replaces the entry e.Name and saves the trash.
func (t *Trash) Put(e TrashEntry) error {
	if t == nil {
		return errNoSet("trash")
	}
	if e.Name == "" {
		return errors.New("cache: trash: an entry needs a name")
	}
	return t.r.update(func(m map[string]TrashEntry) bool {
		m[e.Name] = e
		return true
	})
}

// Remove forgets the entry name and saves the trash.
func (t *Trash) Remove(name string) error {
	if t == nil {
		return nil
	}
	return t.r.update(func(m map[string]TrashEntry) bool {
		if _, ok := m[name]; !ok {
			return false
		}
		delete(m, name)
		return true
	})
}

func errNoSet(what string) error { return errors.New("cache: " + what + ": no set") }
