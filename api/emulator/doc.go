// Package emulator is a Krea-compatible API server for tests, benchmarks and
// the first-run demo: usable in-process (Start, like httptest) and standalone
// (`kreafs emulator`, Listen). It owns its state and files; nothing else in
// kreafs imports it except tests and the CLI.
//
// # Two origins
//
// The API (URL) implements, as the spec (package spec) describes them:
// POST/GET /assets, GET/DELETE /assets/{id}, GET /jobs, GET/DELETE
// /jobs/{id}, GET /styles, GET/PATCH /styles/{id}, POST /styles/train, and
// every POST /generate/... path of the spec (read from the embedded spec at
// start). Every request needs "Authorization: Bearer <Token>" (else 401
// {"error": ...}). Errors are always {"error": "..."}. The share-link and
// node-app paths of the spec are not implemented (404).
//
// Files (FilesURL, e.g. http://127.0.0.1:8788/files) serves asset bytes, job
// results and style images at FilesURL()/<key>, where key ends in the type's extension
// (a/<id>.png, r/<job>/<n>.png, s/<style>/cover.png), with Range (single
// ranges, 206), ETag, Last-Modified, Content-Length, Content-Type, and no
// auth. Any request there carrying an Authorization header sets AuthLeaked.
// A deleted asset's or job's files are gone (404) with it; a running job's
// result URLs answer 404 until it completes.
//
// # Validation (like Krea)
//
//   - Uploads (multipart "file", optional "description") stream to
//     DataDir/tmp as they arrive; over 75 MB (api.MaxUploadBytes) gives 400
//     after the rest of the body is drained (so the client reads the answer);
//     the type is judged by content (api.SniffMedia), not the file name, and
//     anything but JPEG, PNG, WebP, HEIC, MP4, MOV, WebM, GLB, WAV and MP3 gets
//     400 naming the detected type.
//   - limit outside 1..1000, a malformed cursor, an unknown status or filter
//     give 400; unknown ids give 404.
//   - Generation, training and PATCH bodies are validated against the
//     operation's request schema with kin-openapi; a mismatch is 400 with a
//     one-line reason.
//   - PATCH /styles/{id} changes only the user's own styles; anyone else's
//     (even a visible one) is 404 "not found or you are not the owner", as
//     the spec says (it documents no 403). A body with none of title,
//     public, urls, cover_url is 400.
//
// # Lists and cursors
//
// Lists are newest first: by timestamp (uploaded_at, created_at), and among
// equal timestamps by insertion order, newest first. next_cursor is the
// timestamp of the last item returned, null on the last page. To make ties
// unambiguous, when the last item shares its timestamp with the next one the
// cursor carries a tie-breaker in extra fractional digits: nine digits of
// nanoseconds, then the item's sequence number, e.g.
// "2025-01-02T03:04:05.000000000" + "17" + "Z". That is still an RFC 3339
// date-time, so the spec's format holds and a client that just passes
// next_cursor back (all a real-Krea client does) pages through ties without
// skipping or repeating. A plain timestamp cursor means "older than".
//
// Timestamps the emulator picks itself (uploads, AddAsset, new jobs) are
// strictly increasing at microsecond precision with the real clock; with
// Options.Clock they are exactly Clock(), and AddAssetAt takes any time, so
// tests can make ties.
//
// # Jobs
//
// A new job is "queued" for the first third of its duration, "processing"
// until JobDuration after creation, then "completed" (or "failed" with
// result.error, for a JobFailRate share). Status is computed from timestamps
// when asked, so an injected Clock moves jobs without sleeping. GET answers
// leave completed_at and result out until the job ends; POST answers carry
// them as null, as the spec requires. Results: image endpoints give one PNG
// of the requested width x height (else aspect_ratio and resolution 1K/2K/4K
// as the long side, else 1024x1024; JPEG when output_format asks for it;
// capped at 4096x4096 pixels), enhance endpoints a JPEG (or PNG) of
// width x height, or a fixed sample for webp, video endpoints a small real
// MP4. Images are rendered on first download. A finished POST /styles/train
// job has result.style_id, and that style (the user's, private, titled with
// the job's name, with a cover and two previews) exists from then on.
// MaxConcurrentJobs: a new job while that many are unfinished gets 429.
// DELETE /jobs/{id} removes the job and its results.
//
// # Styles
//
// The account's user is UserID. GET /styles filters: "all" (default) the
// user's library, own plus shared with them; "user" own; "shared" shared
// with them; "krea" Krea-official (owner null); "community" public styles of
// other users; "public" and "gallery" every public style; "unapproved" and
// "editor" nothing. ids, user, model and liked narrow further (with ids and
// no filter, any style the user can see). GET /styles/{id} answers for the
// user's own, shared and public styles, 404 for others' private ones.
//
// # Seeding (only when DataDir has no state yet)
//
//   - SeedAssets: asset i (0 = newest) uploaded i+1 minutes before start;
//     types cycle png, jpeg, png, wav, mp4, jpeg, webm, mp3, png, glb, mov,
//     webp; descriptions cycle "" (no name), "sample-NNNN.ext",
//     "sample NNNN", a sentence, and "duplicate.ext" (shared by many).
//     Images are small gradients with a per-asset stamp, WAVs 16 KiB..2 MiB
//     computed on the fly, video/MP3/WebP embedded samples: nothing is
//     written to disk, and 10,000 assets seed in well under a second.
//   - SeedJobs: job i (0 = newest); i%10 == 0 still running (created at start,
//     taking JobDuration), i%10 == 5 failed, the rest completed with one
//     512x512 image (or MP4) result.
//   - SeedStyles: exactly that many in the library (filter all): i%3 == 0
//     own private, 1 own public, 2 shared by "Ada"; some titled "Duplicate
//     style", some untitled; plus four outside it: two Krea-official, one
//     public community style, one private style of a stranger.
//
// Ids and contents of seeded objects are the same on every fresh start.
//
// # Faults and knobs
//
// Latency delays every API request. FaultRate replaces that share of API
// answers (after auth) with 500, 503 or 429 + Retry-After: 1; by default the
// request has no effect, with FaultAfterWrite a POST/PATCH/DELETE takes
// effect first (the answer is lost). Bandwidth paces each download (with
// flushes, so the first bytes arrive at once); CutRate closes that share of
// downloads after a random part of the body; SetStall(true) makes both
// origins accept and then send nothing; SetStallAfter(n) makes downloads
// hang after n body bytes. RequireLength answers 411 to an upload without
// Content-Length (a chunked body), as some proxies do. The dice come from a PCG seeded with RandSeed, so
// a given sequence of requests sees the same faults.
//
// # Persistence and consistency
//
// DataDir holds state.json (0600; written via temp file + rename, about
// 20 ms after a change, coalescing bursts, and at Close) and files/ (0700)
// with uploaded bytes and rendered images. A restart with the same DataDir
// restores everything (URLs follow the new listeners). A crash may lose the
// last ~20 ms of changes, never corrupt state.json.
//
// # Locking
//
// Server.mu guards all state (the lists, the by-id maps, the files map,
// counters); handlers hold it only for in-memory work, never across network
// or disk I/O of bodies. rngMu guards the dice and statsMu the request
// counters; knobs are atomics. No two of these locks are ever held at once.
// A package-level tmplMu guards the stamped-image template cache.
package emulator
