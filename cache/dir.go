package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/kreafs/kreafs/cache/internal/durable"
)

// prepareDir creates the cache directory (0700) or checks an existing one:
// it must be a directory that neither group nor others can write, owned by
// us (checkOwner, Unix only).
func prepareDir(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := durable.MkdirPrivate(dir); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("cache: %s is not a directory", dir)
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("cache: directory %s is writable by group or others (mode %04o); use a private directory (chmod 700)", dir, st.Mode().Perm())
	}
	return checkOwner(dir, st)
}
