package jobs

import gofs "github.com/hanwen/go-fuse/v2/fs"

// Watched is how many unfinished jobs the jobs/ directory n (from New) is
// polling now; 0 for any other node.
func Watched(n gofs.InodeEmbedder) int {
	d, ok := n.(*jobsDir)
	if !ok || d.watch == nil {
		return 0
	}
	d.watch.mu.Lock()
	defer d.watch.mu.Unlock()
	return len(d.watch.watches)
}
