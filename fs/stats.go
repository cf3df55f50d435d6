package fs

import "github.com/kreafs/kreafs/fs/jobs"

// JobsWatched is how many unfinished jobs the mount is polling now.
func (r *Root) JobsWatched() int {
	ch := r.GetChild("jobs")
	if ch == nil {
		return 0
	}
	return jobs.Watched(ch.Operations())
}
