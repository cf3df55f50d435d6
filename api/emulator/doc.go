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
// {"error": ...}). Errors are {"error": "..."} (Options.ErrorShape picks
// another body shape). The share-link and node-app paths of the spec are not
// implemented (404).
//
// # Defaults and switches
//
// Defaults follow Krea's documentation (its reference pages, newer than the
// bundled spec, and its developer guides) where it differs from the bundled
// spec; where Krea's documents are silent or disagree, an Options switch
// selects each plausible behaviour (CursorField, TieBreakCursor, JobDelete,
// RefuseOverLimit, ExtraJobState, StyleTitle, NoEchoDescription,
// HostedNames, ErrorShape; each has a flag, docs/emulator.md lists them with
// their sources). spec.ToBundledShape says exactly where the default
// answers leave the bundled spec's shapes.
//
// Files (FilesURL, e.g. http://127.0.0.1:8788/files) serves asset bytes, job
// results and style images at FilesURL()/<key>, where key ends in the type's extension
// (a/<id>.png, r/<job>/<n>.png, r/<job>/intermediate.png,
// s/<style>/cover.png; with HostedNames an upload is at <uuid>/<unix
// ms>-<original name>, served with the sniffed type), with Range (single
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
//     the spec says (it documents no 403). It changes public, urls and
//     cover_url; title as StyleTitle says (default: not a field it updates).
//     A body with no field it updates is 400 "No valid fields to update".
//
// # Lists and cursors
//
// Lists are newest first: by timestamp (uploaded_at, created_at), and among
// equal timestamps by insertion order, newest first. The cursor field is
// "nextCursor" (CursorField "next_cursor": the bundled spec's name), always
// present, null on the last page. By default the cursor is Krea's: the
// millisecond timestamp of the last item returned, meaning "strictly older
// than that", with no tie-breaker, so items sharing the last item's
// millisecond that did not fit on the page are not listed by the next one.
// With TieBreakCursor, when the last item shares its timestamp with the next
// one, the cursor carries a tie-breaker in extra fractional digits: nine
// digits of nanoseconds, then the item's sequence number, e.g.
// "2025-01-02T03:04:05.000000000" + "17" + "Z" (still an RFC 3339
// date-time), and paging neither skips nor repeats.
//
// Every timestamp has millisecond precision and is written with exactly
// three fractional digits. Timestamps the emulator picks itself (uploads,
// AddAsset, new jobs) are strictly increasing with the real clock (the next
// millisecond when one is taken); with Options.Clock they are exactly
// Clock() cut to milliseconds, and AddAssetAt takes any time, so tests can
// make ties. AssetIDs and JobIDs give the emulator's own full lists.
//
// # Jobs
//
// A job past MaxConcurrentJobs unfinished ones is "backlogged" until enough
// of them end (RefuseOverLimit: 429 instead). From its start its duration
// is cut in sixths: "queued", "scheduled", "processing", "sampling",
// "intermediate-complete" (result.urls holds one intermediate PNG, readable
// from then on) for the last two sixths, or for the last one ExtraJobState
// when set; then "completed" (result.urls final) or "failed" (result.error,
// for a JobFailRate share; a failing job has no intermediate result and
// stays "sampling"). Status is computed from timestamps when asked, so an
// injected Clock moves jobs without sleeping. GET answers carry "type",
// "completed_at": null and "result": {} while running; POST answers carry
// completed_at and result as null, as the spec requires. Results: image
// endpoints give one PNG of the requested width x height (else aspect_ratio
// and resolution 1K/2K/4K as the long side, else 1024x1024; JPEG when
// output_format asks for it; capped at 4096x4096 pixels), enhance endpoints
// a JPEG (or PNG) of width x height, or a fixed sample for webp, video
// endpoints a small real MP4. Images are rendered on first download. A
// finished POST /styles/train job has result.style_id, and that style (the
// user's, private, titled with the job's name, with a cover and two
// previews) exists from then on.
//
// DELETE /jobs/{id} (JobDelete "cancel", the default) cancels a queued or
// processing job: 200 with the job, "cancelled", completed_at set, its
// result files gone, a training job never makes its style; in any other
// state 400 and nothing changes. "cancel-pending" cancels in any unfinished
// state; "delete" removes the job and its results (200). A cancelled job
// frees its concurrency slot, but backlogged jobs keep the start they were
// given.
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
//   - SeedAssets: asset i (0 = newest); runs of 1 to 7 consecutive assets
//     share one millisecond (run r about r+1 minutes before start); types
//     cycle png, jpeg, png, wav, mp4, jpeg, webm, mp3, png, glb, mov,
//     webp; descriptions cycle "" (no name), "sample-NNNN.ext",
//     "sample NNNN", a sentence, and "duplicate.ext" (shared by many); "no
//     name" is an absent description for i/5 even, null for odd. metadata
//     cycles through an object, null, a string, {}, a nested object, a
//     number and an array. i%13 == 7 has width, height, size_bytes and
//     mime_type null; i%19 == 11 has size_bytes null (AssetFileSize gives
//     the real size).
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
// Latency delays every API request (SetFilesLatency, every answer of the
// files origin). FaultRate replaces that share of API
// answers (after auth) with 500, 503 or 429 + Retry-After: 1; by default the
// request has no effect, with FaultAfterWrite a POST/PATCH/DELETE takes
// effect first (the answer is lost). Bandwidth paces each download (with
// flushes, so the first bytes arrive at once); CutRate closes that share of
// downloads after a random part of the body; SetStall(true) makes both
// origins accept and then send nothing; SetStallAfter(n) makes downloads
// hang after n body bytes. RequireLength answers 411 to an upload without
// Content-Length (a chunked body), as some proxies do. NoCredits
// (SetNoCredits) answers every generation and training POST 402, starting
// nothing. PaidRequests records each of those POSTs (path, body, status)
// for tests. The dice come from a PCG seeded with RandSeed, so
// a given sequence of requests sees the same faults.
//
// # Persistence and consistency
//
// DataDir holds state.json (0600; written via temp file + rename, about
// 20 ms after a change, or ten times the last save's duration if longer
// (a large state: the saver takes at most a tenth of a core), coalescing
// bursts, and at Close) and files/ (0700) with uploaded bytes and rendered
// images. A restart with the same DataDir restores everything (URLs
// follow the new listeners). A crash may lose the changes of that last
// moment (~20 ms; a few hundred with 10,000 assets), never corrupt
// state.json.
//
// # Locking
//
// Server.mu guards all state (the lists, the by-id maps, the files map,
// counters); handlers hold it only for in-memory work, never across network
// or disk I/O of bodies. rngMu guards the dice and statsMu the request
// counters; knobs are atomics. No two of these locks are ever held at once.
// A package-level tmplMu guards the stamped-image template cache.
package emulator
