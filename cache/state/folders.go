package state

// Folders made by mkdir in assets/ that Krea knows nothing of: Krea has
// no folders, an asset's folder is the path in its description. A folder
// made here is kept, by path under assets/, until it is removed (rmdir),
// whether or not assets land in it, so an empty folder survives remounts
// on this machine; another machine sees it only once an asset lies in it.
// One JSON file per account (records.go for the consistency rules).

// Folders is a persistent set of folder paths. A nil *Folders is an empty
// set that cannot grow.
type Folders struct{ r *records[bool] }

// FoldersPath is the file for the account scope under stateDir.
func FoldersPath(stateDir, scope string) string {
	return scopedPath(stateDir, "folders-", scope, ".json")
}

// OpenFolders loads the set at path ("": kept in memory only). A damaged
// file gives an empty set AND an error saying so.
func OpenFolders(path string) (*Folders, error) {
	r, err := openRecords[bool]("local folders", path)
	return &Folders{r: r}, err
}

// List is every folder, sorted.
func (f *Folders) List() []string {
	if f == nil {
		return nil
	}
	return f.r.keys()
}

// Has reports whether p is kept.
func (f *Folders) Has(p string) bool {
	if f == nil {
		return false
	}
	_, ok := f.r.get(p)
	return ok
}

// Add keeps p and saves the set.
func (f *Folders) Add(p string) error {
	if f == nil {
		return errNoSet("local folders")
	}
	return f.r.update(func(m map[string]bool) bool {
		if m[p] {
			return false
		}
		m[p] = true
		return true
	})
}

// Remove forgets p and saves the set.
func (f *Folders) Remove(p string) error {
	if f == nil {
		return nil
	}
	return f.r.update(func(m map[string]bool) bool {
		if !m[p] {
			return false
		}
		delete(m, p)
		return true
	})
}
