package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// readJSONFile decodes the JSON file at path into v. A missing file leaves
// v alone and is no error; an unreadable one says so with what (e.g.
// "hidden jobs"); a damaged one says so with fallback (what the caller
// does instead).
func readJSONFile(path, what, fallback string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cache: %s: %w", what, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("cache: %s file %s is damaged, %s: %w", what, path, fallback, err)
	}
	return nil
}

// writeJSONFile replaces the file at path with v, indented, atomically and
// durably (its directory made 0700 first).
func writeJSONFile(path, what string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("cache: %s: %w", what, err)
	}
	if err := durable.MkdirPrivate(filepath.Dir(path)); err != nil {
		return fmt.Errorf("cache: %s: %w", what, err)
	}
	if err := durable.WriteFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("cache: %s: %w", what, err)
	}
	return nil
}
