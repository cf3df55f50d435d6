// Package state keeps what a mount remembers locally about one account,
// besides cached content and queued uploads: the modification times users
// set (Mtimes), the names files were uploaded under (Names), the jobs
// removed from jobs/ that Krea keeps (HiddenJobs), the jobs started from
// request files with their names and states (JobRequests) and the last good
// listing of a directory (SavedListing). All of it lives in one state
// directory (Dir) under the cache directory, in files named by the
// account (scope: the API URL), so two accounts sharing a cache directory
// never see each other's state.
//
// Consistency rules, per file (each file's comment has the details):
//   - mtimes-<h>.log: an append-only log, not fsynced; a crash may lose
//     the last few seconds of times (the upload time shows again).
//   - names-<h>.log: an append-only log, fsynced on every Set: a name is
//     durable before the upload queue forgets the file.
//   - hidden-jobs-<h>.json, job-requests-<h>.json and <name>.json (saved
//     listings): replaced
//     whole, atomically and durably (durable.WriteFile): a crash leaves
//     the old file or the new one.
//   - Logs are compacted at open when mostly superseded lines (log.go); a
//     torn line ends the reading and what came before stands. A damaged
//     JSON file is reported and treated as empty.
//   - Files are 0600, the directory 0700.
//
// The package never imports fs/. Each type has its own lock (a leaf).
package state
