// Package assets is MOUNT/assets/, its folders and its hidden .by-id/ (the
// trash's tree is package trash; trash_in.go moves assets into it): the listing of the
// account's assets (names and folders from package view), and the
// directory operations on the files written into it (create, rename,
// unlink: assets_write.go). A written file's node and open handles are
// package written (fs/assets/written), whose every decision is the upload
// session's (cache/upload); tree_written.go is what it asks of assets/
// (written.Host) and how queued files change what assets/ shows.
//
// # Consistency (what can be stale, and for how long)
//
//   - Files written into assets/ (docs/writes.md) are shown from the upload
//     queue while they are not uploaded: a queued name wins over a listed
//     asset of that name, the assets a queued file replaces and those
//     removed through the mount are hidden, and names are computed from
//     the visible assets only, so a file keeps its name across its upload.
//     The name a file was uploaded under is kept by asset id in
//     Config.StateDir (names_kept.go, fsynced before Tree.uploaded returns)
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
//     for the TTL. ENOENT answers are not cached by the kernel. Temporary
//     names, a program's repeated miss within a second, and misses during
//     a bulk copy of new names (more than 4 names missing within a second)
//     are answered from a re-check less than a second old
//     (internal/misses).
//   - Assets deleted through the mount are never shown again by this
//     mount, even if a lagging listing still has them.
//   - When a refresh drops or re-assigns a name the kernel knows, the
//     kernel's entry is invalidated at once (NotifyDelete), asynchronously
//     and outside our locks.
//   - .by-id/<id> answers from the listing, else with GET /assets/{id}: it
//     reaches assets the listing does not show yet.
//   - If a listing fails (network down), or stalls, the previous one keeps
//     being served (the Listing logs it once per outage). The last good
//     listing is also saved under Config.StateDir (state.SavedListing);
//     with no listing in memory (a mount started while the API is
//     unreachable) the saved one is served at once and the API is retried
//     in the background, at most once per DirCacheTTL. With neither, the
//     operation fails (EIO, EACCES...).
//   - A queued file shows its last write's time (or one set on it), and
//     keeps it once uploaded (written/mtimes.go, node/mtimes.go).
//   - Folders (folder_dir.go): a path in a description is a folder
//     everywhere; a folder made by mkdir, or emptied through the mount,
//     is kept in Config.StateDir until rmdir. Every name of the upload
//     path is a path under assets/ (the queue uploads it as description).
//   - Trashed assets (trash_in.go) are hidden here and kept on Krea; the
//     trash is kept in Config.StateDir. Another machine still shows them.
//   - For Config.WatchWindow after a listing, assets/ is listed again
//     every DirCacheTTL (assets_watch.go); an asset deleted elsewhere
//     whose name the kernel knows is unlinked through the mount
//     (assets_gone.go) so inotify sees IN_DELETE. Changes seen in a new
//     listing go to the events log (node.Mount.Events).
//
// # Kernel caching
//
// READDIRPLUS is answered from the in-memory table, so ls -l costs no
// request per file. The kernel keeps the listing of assets/ it read
// (FOPEN_CACHE_DIR, assets_opendir.go): each opendir takes the current
// entries (listing cache plus queued uploads) and lets the kernel use its
// copy only if that copy holds exactly those entries and was filled within
// DirCacheTTL (the life of the names it learned with it); otherwise the
// copy is dropped (NotifyContent on the directory) and refilled. Changes
// made through the mount also drop it (the kernel does that itself). So
// ls within the TTL sends one OPENDIR and nothing else. An open for
// writing of an inode in passthrough mode moves the asset's name to a new
// inode number and is retried there by the kernel (asset_gen.go); readers
// keep the old inode.
//
// # Locking
//
// Each file with a mutex says at its top what it guards (assets_dir.go
// gives the order). No lock is held while calling the session, the API,
// the content cache or a go-fuse Notify* function.
package assets
