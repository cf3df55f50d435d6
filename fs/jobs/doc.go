// Package jobs is MOUNT/jobs/: one directory per job of the account, with
// job.json, status, the results and a training job's style link.
//
// # Consistency
//
// The rules are stated in docs/jobs-and-styles.md and at the top of
// jobs_state.go: a running job is re-fetched when read (at most once a
// second) and polled while someone looks at it (jobs_poll_schedule.go); a
// finished job never changes and is cached for an hour
// (node.FinishedTTL). rmdir of a job cancels it when Krea can and
// otherwise hides it from jobs/ (Config.StateDir keeps the hidden ids,
// state.HiddenJobs; jobs_remove.go). A job gone from Krea leaves the
// kernel's view through an rmdir made through the mount, so inotify
// watchers of jobs/ see IN_DELETE (jobs_gone.go). A name that cannot be
// an id (view.IDLike) costs no request. Results are node.File nodes read
// through the content cache.
//
// # Locking
//
// jobsDir.mu (jobs_dir_ops.go) guards the snapshots and hidden names; it
// is never held while calling the API, the listing, the watcher or a
// go-fuse Notify* function.
package jobs
