// Package readahead is the cache's read-ahead policy: how much a sequential
// reader fetches beyond the bytes it asked for (Stream), and how far ahead
// of it the next window must be asked for so that it arrives in time
// (Link, the network's measured round trip and rate; Meter, one
// download's rate). It is pure logic: it neither fetches nor holds a
// byte; the cache's Reader asks a Stream's Plan which range to request
// and its downloads feed a Link.
//
// # Windows
//
// A read that continues the previous one (within a little, see seqBack) is
// sequential. The first sequential read of a stream fetches its bytes and
// a first window of lo (the cache's ReadAheadMin) beyond them (or of the
// read's own size, when larger: a program that reads 1 MiB at a time gets
// at least its next read ahead), in one bounded request. A stream that
// starts at the file's first byte with a read of lo or more (cat, cp, a
// checksum: the kernel's whole read-ahead at once) gets three reads: its
// second request then goes out while the first still has two reads to
// deliver, instead of once it has delivered everything, a round trip the
// reader waited for on a fast wire. A probe's first read (head, file,
// ffmpeg's 64 KiB) is smaller and costs lo. Each time the
// reader's next read would come within half a window, or within the lead
// (what the network delivers in one round trip; once the stream has read
// leadAfter, 512 KiB, in one run of adjacent reads), of the end of what was requested, the next
// window is requested, twice as large and at least twice the lead, until
// a window reaches hi (the cache's ReadAhead, the ceiling); from then on
// the stream is one open-ended request whose logical end is kept hi past
// the reader, so a long `cat` costs a handful of requests however large
// the file. A read that does not continue the previous one (a seek) ends
// the stream: it fetches only its own bytes, in whole chunks, and the next
// sequential read starts small again. So a program that reads a few bytes
// (head, file, a thumbnailer's probes) costs about lo, and one that reads
// everything costs one request per doubling plus one; where the lead is
// large (a fast wire) the windows after the first MiB are asked for early
// enough that the reader does not wait for them. The kernel's read-ahead
// and rclone's --vfs-read-chunk-size (doubling up to
// --vfs-read-chunk-size-limit) grow the same way.
//
// Bounded requests matter as much as small windows: the server sends an
// open-ended request until flow control stops it, so a few MB that nobody
// reads would cross the network and be dropped when the request ends.
//
// # The lead
//
// The lead is what the network delivers in one round trip (its
// bandwidth-delay product), measured on the store's own downloads: the
// time from a request to its answer's headers, and the rate at which a
// download's body arrives while it runs. At 1 Gbit/s and 10 ms that is
// about 1.2 MB, far more than the first windows (128 KiB, 256 KiB, ...):
// each of those, asked for half a window ahead, made a reader wait most
// of a round trip. At 100 Mbit/s and 20 ms it is about 250 KB and the
// windows soon outgrow it.
//
// The lead only widens what a stream that has read leadAfter in one run
// of adjacent reads asks for: a program that reads a few pieces of a file
// (head, file, a thumbnailer's probes of a video's header, index and one
// frame) still costs only its doubling windows. With the lead from the
// second read on, thumbnails of 50 videos made the file host send 150 MiB
// instead of 43. A jump within the read-ahead (ffmpeg read a video's
// first 320 KiB, then a frame at 900 KiB the header's windows covered)
// keeps the stream but starts a new run.
// It is at most half the read-ahead ceiling (the caller's limit), so what
// a reader that stops leaves fetched and unread stays bounded.
//
// # Locking
//
// A Stream has no lock: its owner guards it (the cache's Reader keeps it
// under Store.mu). A Link has its own mutex, a leaf (taken with or
// without the owner's locks, never the other way round). A Meter belongs
// to one download's goroutine and has no lock.
package readahead
