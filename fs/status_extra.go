package fs

import "context"

// addExtraFiles adds the status files beyond uploads and errors.
func (s *statusDir) addExtraFiles(ctx context.Context) {}
