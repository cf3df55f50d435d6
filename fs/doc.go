// Package fs is kreafs' FUSE file system: the mount's root (assets/,
// jobs/, styles/, models/, the status directory .kreafs/ and the trash
// .Trash-<uid>/), its go-fuse mount options, the resolver of request
// files' mount paths (resolve.go: it walks the mount's own tree), and the
// wiring of the trees, each in its own package:
//
//   - fs/node: what every node shares (node.Mount: the configuration,
//     attributes, kernel notifications, background work), the one errno
//     mapping, files read through the content cache, "." and "..".
//   - fs/assets: assets/, its folders, assets/.by-id/ and the directory
//     side of the files written into them; fs/assets/written: a written
//     file's node and open handles. fs/trash: MOUNT/.Trash-<uid>/, on
//     what fs/assets gives it (trash.Assets).
//   - fs/jobs: jobs/. fs/styles: styles/. fs/models: models/.
//   - fs/named: the directories made in jobs/ and styles/ whose
//     request.json (train.json) starts a job.
//   - fs/view and fs/generate: what each directory shows and how request
//     files are read, resolved, validated and sent, without FUSE.
//
// docs/architecture.md walks the data paths through these packages. The
// packages ask package cache for bytes (a content Store) and listings (a
// Listing with a TTL), and the API (through node.Remote) for single
// objects and deletes. They know the api package's domain types and error
// sentinels, never HTTP.
//
// # Consistency
//
// Each tree's package states its own rules (what can be stale, and for
// how long). The root and .kreafs/ never change; the files of .kreafs/
// are rebuilt at every open and never cached by the kernel (direct I/O):
// uploads from the upload queue, errors from node.Errors, assets.jsonl
// from the listing assets/ shows (same TTL). MOUNT/.kreafs/events
// (events_file.go) only grows: its size is never cached (tail -f polls
// it) and reads are direct I/O.
//
// # Kernel caching
//
// Entry timeout = DirCacheTTL for every name (names can vanish); attribute
// timeout = node.AssetAttrTTL for assets (immutable), DirCacheTTL for directories.
// Negative lookups are not cached. Extended attributes (with
// MountOptions.XAttrs; off by default): only user.krea.*
// (fs/node/xattr.go), read from the metadata the node holds (a job's
// status and a style's public flag from their snapshots); every other
// name is ENODATA at once.
//
// # Locking
//
// Each file with a mutex says at its top what the mutex guards. No mutex
// of these packages is held while calling the API, the cache, or go-fuse's
// Notify* functions; kernel notifications are sent from their own
// goroutine (node.Mount.NotifyAsync), because the kernel may be holding a
// directory lock while it waits for the request that caused them.
package fs
