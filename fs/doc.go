// Package fs is kreafs' FUSE file system: go-fuse node types for the
// mount's root, assets/ (and its hidden .by-id/), jobs/ and styles/, their
// files and open handles, and the one errno mapping.
//
// It asks package cache for bytes (a content Store) and listings (a
// Listing with a TTL), and the API (through the Remote interface) for
// single objects and deletes. It knows the api package's domain types and
// error sentinels, never HTTP.
//
// # Layout of the code
//
// What each directory shows (names, junk names, name tables, the listing
// of assets/, the contents of job files) is decided in package fs/view,
// which knows nothing of FUSE; the files here adapt it. Files are named by
// receiver and kind of operation.
//
//	root.go            Config, Root, shared attribute helpers, inode numbers
//	remote.go          the API surface the mount uses (Remote)
//	dirdots.go         "." and ".." first in every listing; .by-id entries
//	dir_notify.go      telling the kernel that names went away
//	assets_dir.go      assets/: the installed name table, what it shows (the
//	                   one call to the upload side: uploads.pending)
//	assets_dir_ops.go  assets/: Lookup, Readdir, Getattr, Unlink
//	assets_byid_ops.go assets/.by-id/: Lookup, Readdir, Getattr, Unlink
//	assets_opendir.go  an open of assets/: entries, kernel directory cache
//	assets_prepare.go  READDIRPLUS answers prepared ahead of ls
//	assets_recheck.go  re-checking a missing name with the newest assets
//	assets_saved.go    the saved listing, served while the API is down
//	asset_handle_noops.go  what asset handles accept as no-ops (flush, fsync)
//	assets_write.go    writes in assets/: Create, Rename, Unlink, Fsync, onlyFiles
//	assets_write_file.go  an asset opened for writing or truncated: a replacement
//	uploads.go         the mount's side of the upload session (cache/upload):
//	                   notifications, times, what it reports to listings
//	                   (pending); Root.uploaded
//	upload_file.go     a queued file (node) and the handle of a finished one
//	upload_handle.go   an open queued file: writes to the spool, close, fsync
//	upload_writers.go  the processes that wrote through a handle (whose close decides)
//	upload_stream.go   a file written in order feeds a speculative upload
//	upload_lazy.go     an asset opened for writing copies its bytes only when needed
//	upload_allocate.go fallocate of a file open for writing (75 MB rule as writes)
//	upload_moved.go    an asset renamed to a temp name and back, unchanged
//	types_by_name.go   names of types Krea does not take, refused at create
//	names_upload.go    the view's naming rules under the upload path's names
//	mtimes.go          modification times users set, kept locally (state.Mtimes)
//	status_dir.go      MOUNT/.kreafs/uploads, the queue as text
//	statfs.go          statfs answered by every node of assets/
//	asset_file.go      an asset: Getattr (size learning), Open
//	asset_gen.go       a name read with passthrough moves to a new inode for a writer
//	handle.go          an open asset: Read through the cache, passthrough
//	names_kept.go      names of files uploaded from this cache dir, by asset id (state.Names)
//	upload_differs.go  an uploaded asset that is not what was sent
//	errno.go           pure: errors -> errno, logged once
//	mount.go           go-fuse mount options
//	node_api_check.go  which go-fuse interfaces each node implements
//	jobs_dir_ops.go    jobs/: Lookup, Readdir, Rmdir, Getattr, refusals
//	jobs_state.go      snapshots of jobs, when a job is re-fetched
//	jobs_watch.go      the poller of unfinished jobs (jobs_poll_schedule.go)
//	jobs_remove.go     rmdir of a job: cancel, or hide
//	job_dir_ops.go     one job's directory
//	job_files.go       job.json, status, the style link; in-memory handles
//	media_file.go      downloaded files of jobs/ and styles/ (names, reads)
//	styles_dir.go      styles/: the installed name table, styles by id
//	styles_dir_ops.go  styles/: Lookup, Readdir, Getattr, refusals
//	styles_dir_rename.go  mv of a style
//	styles_byid_ops.go styles/.by-id/
//	style_dir_ops.go   one style's directory and its style.json
//
// # Consistency (what can be stale, and for how long)
//
//   - Files written into assets/ (docs/writes.md) are shown from the upload
//     queue while they are not uploaded: a queued name wins over a listed
//     asset of that name, the assets a queued file replaces and those
//     removed through the mount are hidden, and names are computed from
//     the visible assets only, so a file keeps its name across its upload.
//     The name a file was uploaded under is kept by asset id in
//     Config.StateDir (names_kept.go, fsynced before Root.uploaded returns)
//     and wins over what the API echoes, on this machine, across remounts.
//     An upload is added to the listing as soon as it succeeds.
//   - Names in assets/ come from the last listing (GET /assets, every page),
//     which is trusted for Config.DirCacheTTL. ls within the TTL costs no
//     request; after it, the next ls, lookup or stat lists again. The kernel
//     keeps each name (dentry) for the same TTL, so an asset deleted
//     elsewhere vanishes within DirCacheTTL (plus the time one listing
//     takes), and one added elsewhere appears as soon as the listing is
//     refreshed.
//   - A lookup of a name that the last listing does not have re-checks
//     before answering ENOENT: one request for the newest page of assets,
//     whose unknown ones are merged into the listing (concurrent misses
//     share it). So `cat assets/just-uploaded.png` works without waiting
//     for the TTL. ENOENT answers are not cached by the kernel.
//   - Assets deleted through the mount are never shown again by this
//     mount, even if a lagging listing still has them.
//   - When a refresh drops or re-assigns a name the kernel knows, the
//     kernel's entry is invalidated at once (NotifyDelete), asynchronously
//     and outside our locks.
//   - .by-id/<id> answers from the listing, else with GET /assets/{id}: it
//     reaches assets the listing does not show yet.
//   - Asset content is immutable (an asset's bytes never change under its
//     id), so attributes are cached by the kernel for an hour, pages are
//     kept across opens (FOPEN_KEEP_CACHE), and the content cache never
//     revalidates. The size shown is size_bytes, or the content's real
//     length once the cache has seen it (then the kernel's attributes are
//     invalidated). An asset without size_bytes has its size learned by
//     fetching its first byte, so ls -l never shows 0 for a non-empty file.
//   - jobs/ and styles/ have their own rules, stated in
//     docs/jobs-and-styles.md and at the top of jobs_state.go: a running
//     job is re-fetched when read (at most once a second) and polled while
//     someone looks at it (2 s, growing to every 4 s; a job running past
//     3 minutes up to every 15 s; at most 32 jobs, 10 minutes after the
//     last look); a finished job never changes and is cached for an hour;
//     styles are trusted for DirCacheTTL. rmdir of a job cancels it when
//     Krea can and otherwise hides it from jobs/ (Config.StateDir keeps
//     the hidden ids, state.HiddenJobs; jobs_remove.go). A name that
//     cannot be an id (view.IDLike) in jobs/ or styles/ costs no request.
//   - If a listing fails (network down), or takes over 5s (an API that
//     stalls), the previous one keeps being served (the Listing logs it
//     once per outage). The last good listing
//     is also saved under Config.StateDir (state.SavedListing); with no listing in memory (a
//     mount started while the API is unreachable) the saved one is served
//     at once and the API is retried in the background, at most once per
//     DirCacheTTL. With neither, the operation fails (EIO, EACCES...).
//   - A modification time set with utimes (touch, rsync -t) is kept in
//     Config.StateDir (state.Mtimes) and shown instead of uploaded_at (or
//     a queued file's last write) on this machine only; a write after it
//     or rm forgets it. A file written here keeps its last write's time
//     once uploaded (kept the same way). The last seconds of times set may
//     be lost in a crash (cache/state/mtimes.go).
//
// # Kernel caching
//
// Entry timeout = DirCacheTTL for every name (names can vanish); attribute
// timeout = 1 hour for assets (immutable), DirCacheTTL for directories.
// Negative lookups are not cached. READDIRPLUS is answered from the
// in-memory table, so ls -l costs no request per file. The kernel keeps
// the listing of assets/ it read (FOPEN_CACHE_DIR, assets_opendir.go): each
// opendir takes the current entries (listing cache plus queued uploads) and
// lets the kernel use its copy only if that copy holds exactly those
// entries and was filled within DirCacheTTL (the life of the names it
// learned with it); otherwise the copy is dropped (NotifyContent on the
// directory) and refilled. Changes made through the mount also drop it (the
// kernel does that itself). So ls within the TTL sends one OPENDIR and
// nothing else. Extended attributes are disabled for the mount.
//
// A fully cached asset is opened with FUSE passthrough when the kernel
// allows it (Linux >= 6.9, running as root): the kernel then reads the
// cache file itself. The kernel refuses to mix passthrough and ordinary
// opens of one inode, so passthrough is used only while no ordinary handle
// of that inode is open, and an open for writing of an inode in
// passthrough mode moves the asset's name to a new inode number and is
// retried there by the kernel (asset_gen.go); readers keep the old inode.
//
// # Errors
//
// errno.go's toErrno is the only place errors become errnos: not found ->
// ENOENT, 401/403 -> EACCES, 413 -> EFBIG, interrupted (Ctrl-C) -> EINTR,
// timeouts and everything else -> EIO. Each failure is logged once with
// the operation, path and asset id. Nothing waits forever: metadata calls
// are bounded by Config.OpTimeout, downloads by the cache's stall timeout,
// and every wait ends when the caller is interrupted. Waits that hold a
// directory busy are shorter: 5s for a listing refresh or a re-check
// (then the last listing answers), for an rm's DELETE (then it is
// journaled), for a size probe in stat; failures of re-checks and size
// probes answer the next callers at once for a while (10s, 30s).
// docs/reliability.md lists every bound.
//
// # Locking
//
// Each file with a mutex says at its top what the mutex guards. No mutex of
// this package is held while calling the API, the cache, or go-fuse's
// Notify* functions; kernel notifications are sent from their own goroutine
// (Root.notifyAsync), because the kernel may be holding a directory lock
// while it waits for the request that caused them.
package fs
