// Package arrived holds the upload queue's tools for finding out whether
// an interrupted upload reached the server, that know nothing of its
// items: a Lister that shares the account's listings between the uploads
// that need one taken after their failed attempt, and SameContent, which
// compares an asset's hosted bytes with a spool file. Package queue
// decides which asset is the upload (with package dedupe).
//
// # Consistency rules
//
//   - Since(mark) returns only a listing that started after Mark returned
//     mark: one taken before an ambiguous attempt ended never answers for
//     it. A failed listing is returned to its waiters, never kept.
//   - SameContent says true only when every byte matches and both ends
//     agree; a spool that is gone or an asset the host refuses for good
//     gives false; a transient failure is an error (ask again later).
//
// # Locking
//
// Lister.mu guards its fields. It is a leaf lock: nothing else is taken
// while holding it, and the listing itself (the network call) runs
// without it.
package arrived
