// Package node holds what every node of the kreafs mount shares: Mount
// (the configuration with its defaults, the log, the local state, the
// modification times users set, kernel notifications and background
// work), the attributes of files and directories, inode numbers, "." and
// "..", the name table of a listed directory (DirTable), telling the
// kernel that names went away, statfs, and File: an asset or a
// downloaded file read through the content cache (its handle, size
// learning, passthrough), which assets/, jobs/ and styles/ all serve.
// Also the one errno mapping (Fail, Refuse) with the ring of recent
// errors it feeds (Errors, MOUNT/.kreafs/errors: bounded, secrets
// scrubbed), and the user.krea.* extended attributes (xattr.go: read
// from the metadata a node holds, never a lookup for other names).
//
// # Consistency
//
//   - Asset content is immutable (an asset's bytes never change under its
//     id), so a File's attributes are cached by the kernel for an hour
//     (AssetAttrTTL), pages are kept across opens (FOPEN_KEEP_CACHE), and
//     the content cache never revalidates. The size shown is size_bytes,
//     or the content's real length once the cache has seen it (then the
//     kernel's attributes are invalidated). A file without size_bytes has
//     its size learned by fetching its first byte, so ls -l never shows 0
//     for a non-empty file; a failed probe answers the next ones at once
//     for a while (docs/reliability.md).
//   - A modification time set with utimes (touch, rsync -t) is kept in
//     Config.StateDir (state.Mtimes) and shown instead of uploaded_at on
//     this machine only; a write after it or rm forgets it. The last
//     seconds of times set may be lost in a crash (cache/state/mtimes.go).
//   - A fully cached file is opened with FUSE passthrough when the kernel
//     allows it (Linux >= 6.9, running as root): the kernel then reads the
//     cache file itself. The kernel refuses to mix passthrough and
//     ordinary opens of one inode, so passthrough is used only while no
//     ordinary handle of that inode is open (file_handle.go), an ordinary
//     handle counting until go-fuse's whole RELEASE of it has ended
//     (release_barrier.go: go-fuse drops a passthrough reference at the
//     end of every RELEASE).
//
// # Errors
//
// errno.go's ToErrno is the only place errors become errnos: not found ->
// ENOENT, 401/403 -> EACCES, 413 -> EFBIG, interrupted (Ctrl-C) -> EINTR,
// timeouts and everything else -> EIO. Fail logs each failure once with
// the operation, path and asset id. Nothing waits forever: metadata calls
// are bounded by Config.OpTimeout (Mount.OpContext), downloads by the
// cache's stall timeout, and every wait ends when the caller is
// interrupted; docs/reliability.md lists every bound.
//
// # Locking
//
// No mutex of this package is held while calling the API, the cache, or
// a go-fuse Notify* function; kernel notifications are sent from their
// own goroutine (Mount.NotifyAsync), because the kernel may be holding a
// directory lock while it waits for the request that caused them. Each
// file with a mutex says at its top what it guards.
package node
