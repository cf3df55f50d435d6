// Package cache holds kreafs' local copy of remote content: the on-disk
// content store (Store) and the listing cache with a TTL (Listing). Its
// sub-packages keep the rest, split by what they keep:
//   - cache/state: what a mount remembers locally for an account besides
//     content and uploads (user modification times, kept names, hidden
//     jobs, saved listings), with their consistency rules;
//   - cache/upload: the Session of a mount's written files, over the
//     durable upload queue cache/upload/queue;
//   - cache/internal/durable: the one way every package here writes a
//     file that must survive a crash (atomic replace, fsync of file and
//     directory, the directory lock, private modes, copies);
//   - cache/internal/readahead: the read-ahead policy (how large a
//     sequential reader's windows are and how far ahead they are asked
//     for, from the network's measured round trip and rate): pure logic;
//   - cache/internal/index: the index file's format (header, JSON, data
//     file names) and the checks of one entry;
//   - cache/internal/ranges: byte ranges and the sets of them that say
//     which bytes of an object are present.
//
// This package never imports fs/; it asks api/ (through the Fetcher
// interface) for bytes.
//
// # Content store
//
// Content is immutable: an asset, a job result or a style cover never
// changes under its key, so cached bytes are never revalidated, and the
// kernel page cache may keep them (FOPEN_KEEP_CACHE). A Source names the
// content (Key), where to fetch it (URL, refreshed on every Store.Open) and
// its expected size (a hint: the size the server reports wins, including
// an end of body before the hinted size).
//
// Reads stream: Reader.ReadAt and Reader.Ensure block only until the bytes
// asked for are on disk, never until the whole object is. Per object the
// store tracks which byte ranges are present. A missing range is fetched in
// whole chunks (Options.ChunkSize, 128 KiB) with a ranged Fetch, so random
// readers (ffprobe, tail, mmap) fetch only what they touch. A Reader whose
// reads follow each other is sequential and gets read-ahead
// (cache/internal/readahead): a first window of ReadAheadMin (128 KiB) in
// one bounded request (three reads when it reads from the first byte in
// reads of ReadAheadMin or more), doubled each time the reader is half through what
// was requested, or, once it has read 512 KiB of adjacent bytes, within the lead of
// its end (what the network delivers in one round trip, measured on the
// store's downloads; the window is then at least twice the lead), up to
// ReadAhead (8 MiB); from then on its download is requested to the end of
// the object and stopped at a logical end kept ReadAhead bytes past the reader, so a
// whole `cat` is a handful of HTTP requests (a download that reaches its
// logical end before the reader catches up pauses, reading nothing, for up
// to parkIdle while the object is open, instead of ending). A seek ends the
// stream: the next sequential read starts at ReadAheadMin again. So a small
// read of a cold object costs about ReadAheadMin on the wire. Readers of the
// same bytes share one download: a reader waits for a running download that
// is at most max(ReadAhead, 2 chunks) before the bytes it needs, and
// otherwise starts its own (taking over the rest of the slower download's
// range).
//
// Downloads belong to the store, not to a reader: a reader whose context is
// cancelled (Ctrl-C on a blocked read) returns ctx.Err() at once, and the
// download goes on for the others. A download that fails mid-body keeps the
// bytes it wrote and resumes at the first missing byte with a new ranged
// Fetch. Transient errors (api.Temporary, cut bodies) are retried
// Options.Retries times with exponential backoff from Options.RetryBackoff,
// but no retry starts more than Options.RetryWindow (DefaultRetryWindow) after the
// download last made progress (api.Client retries a request itself; this
// keeps a cold read against a dead API bounded to about that window plus
// the client's own retry time); both restart whenever an attempt made
// progress, so a body cut again and again still completes. A fetch that gets
// no byte for Options.StallTimeout (DefaultStallTimeout) is cancelled and not
// retried: the reads waiting on it fail with ErrStalled, and a later read
// starts over where it stopped. A download that has waited a sixth of that
// (stuckAfter) without a byte is "stuck": reads do not wait for it but start a new
// request for the bytes they need (a new read at once, a waiting read when
// it looks again, every stuckAfter), since a server that stalled one connection
// often answers a new one, and a request made during a stall stays silent
// after the server recovered. The stuck download goes on until its own
// stall timeout; bytes from either are used. Each read still fails with
// ErrStalled after StallTimeout without a new byte of its range, so a
// server that stalls everything sees at most one new request per stuckAfter per
// range being waited for. Permanent errors (404, 403, ...) fail the
// waiting reads at once, wrapped so that errors.Is matches the api sentinels.
//
// Reader.File exposes the (sparse) data file, so that fs can answer a read
// by fd (fuse.ReadResultFd) after Ensure, or hand a Complete object's file
// to the kernel (FUSE passthrough). While a Reader pins the object, bytes
// of a Complete object are never removed, and bytes of an incomplete one
// only outside what readers are waiting for or were handed in the last protectFor
// (the last 64 such ranges): a read by fd right after Ensure stays valid.
//
// When the server's copy of an object goes while Readers have it open (rm
// of an asset, or its replacement by a new version), Remove (and Keep)
// fetch the rest of it for them in the background, into the data file
// they hold, and BeforeDelete, called before the DELETE, waits for that
// (keep.go): those readers read every byte, as with an unlinked local
// file. An object deleted elsewhere gives them only what was cached.
//
// LearnSize learns an object's size alone, for listings that lack sizes
// (learn_size.go): a request for its first byte, whose Content-Range gives
// the size; the size is recorded as a download would, no byte is kept and
// no data file is made. Known sizes outlive the bytes and the mount: the
// size of a key with no object (learned so, or of an object evicted) is
// kept in an LRU of at most maxKnownSizes (65,536) keys, which Has and
// LearnSize touch, and the index persists it, so a new mount's `ls -l`
// asks nothing it asked before. Content never changes under a key, so a
// known size never goes stale; sizes of assets deleted elsewhere are never
// touched again and are the first dropped at the bound; Remove drops the
// key's size at once.
//
// # Size bound and eviction
//
// Usage counts the present bytes of every object. Whenever it exceeds
// Options.MaxBytes, least recently used objects are deleted whole until it
// does not. Recency is kept by a hashicorp/golang-lru/v2 simplelru.LRU whose
// capacity is unbounded: it is used only for ordering (the byte bound is
// ours); Store.Open touches an object. Objects pinned by an open Reader or
// with a running download are not evicted whole. When evicting every other
// object is not enough (an open object larger than the cache), bytes of
// pinned, incomplete objects are dropped from their start, sparing the
// protected ranges above, and their holes punched (Linux; elsewhere they
// stay until the object is released). So usage exceeds MaxBytes only by
// data in flight: ranges being read, read-ahead, and pinned complete
// objects; it is brought back under the bound as they are released.
//
// # On-disk layout and crash safety
//
//	Dir/                    0700; refused if group/world writable or not ours
//	Dir/lock                flock: one kreafs process per cache directory
//	                        (a file system without locks is refused)
//	Dir/index.json          the index (0600): header line, then JSON
//	Dir/objects/ab/<h>-<n>  data files (0600), h = hex sha256(key), ab = h[:2],
//	                        n = incarnation number (an object replaced or
//	                        evicted while still read never shares a file)
//	Dir/tmp/                imports in progress; emptied at Open
//
// The index (its format: cache/internal/index) is a header line
// "kreafs-cache-index 1 <crc32 of the JSON>", then JSON that lists, least
// recently used first, each object's key, data file, size
// (-1 when unknown) and present ranges, then ("sizes", optional: an older
// kreafs ignores it) the known sizes of keys with no bytes cached: key and
// size only, no data file, at most maxKnownSizes, least recently used
// first. A range is recorded as present only after its bytes were
// written; the index is written every FlushInterval (DefaultFlushInterval)
// while something changed, and at Close: changed data files are fsynced
// first (not one linked by ImportFinal: its bytes were durable already),
// then the index is replaced by durable.WriteFile (a temporary file,
// fsynced, renamed, the directory fsynced); Open removes the temporary
// files of a write cut short. After a crash the index is at worst a few
// seconds old, so it claims fewer bytes than the files hold, never more.
//
// Open checks everything: an index with a bad header or checksum, or that is
// not valid JSON, is discarded (warning) and the store starts empty; an entry
// with a bad file name, bad ranges, or a missing data file is dropped, as
// is a known size with an empty key, a size out of range or a key listed
// before (one warning for all); an
// entry whose data file is shorter than its ranges claim (truncated, torn)
// keeps only the bytes the file has; data files no entry names are deleted.
// The same length check runs whenever a data file is opened, so a file
// truncated while kreafs runs is re-fetched, not served as zeros.
//
// A full disk (ENOSPC while writing a data file) makes the store evict
// unused objects and write once more; if that does not help, the readers
// waiting on that download get ErrDiskFull and read the rest of their
// life with ReadUncached, straight from the URL (uncached.go). Cached bytes
// stay readable.
//
// Memory: no object is ever held in memory; each download streams through
// one 256 KiB buffer. Disk: a download allocates the data file's blocks up
// to 1 MiB ahead of its writes (fallocate, keeping the file's size; cheaper
// writes, prealloc.go), so a download that stops early leaves at most 1 MiB
// allocated but not present.
//
// # Listing cache
//
// Listing[T] caches a whole listing (e.g. every asset) for TTL:
//   - Get serves the cached listing while it is younger than TTL (measured
//     from when its fetch started, on the injected clock), else fetches.
//   - Concurrent Get and Refresh calls share one fetch (singleflight), which
//     runs detached from the callers' contexts; a caller whose ctx ends
//     returns ctx.Err() and the fetch completes for the others.
//   - Refresh fetches now, unless a fetch completed within MinRefresh
//     (DefaultMinRefresh): lookups of names missing from the listing
//     re-check the API at most once per MinRefresh whatever their number.
//   - When a fetch fails and an earlier listing exists, callers get that
//     listing with a nil error: the mount keeps showing the last known state
//     while the API is down. One warning is logged per outage, and Get does
//     not retry for TTL after a failure. With no earlier listing the error is
//     returned.
//   - When a fetch is slow (an API that stalls) and an earlier listing
//     exists, callers wait for it at most StaleAfter (DefaultStaleAfter), then get
//     the earlier listing (the same one warning per outage); the fetch goes
//     on and its result serves later callers. The first fetch is always
//     waited for (up to FetchTimeout).
//   - Update applies a local edit (asset deleted or created through the
//     mount) to the cached listing at once, and again to the result of a
//     fetch that was running during the edit (so the edit must be idempotent).
//   - Invalidate makes the next Get fetch.
//   - The generation number grows with every successful fetch and Update;
//     callers use it to know when to rebuild what they derived (names).
//
// So a listing may be stale by up to TTL, or longer while the API fails;
// names missing from it are re-checked at most once per MinRefresh.
package cache
