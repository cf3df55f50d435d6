package queue

// The body of an ordinary upload: its spool file, counted as the request
// reads it (progress.go), whose last byte is handed over only once the
// attempt's intent is durable (attempt.go).
//
// The POST starts while the intent's fsync runs: a request whose body did
// not end created nothing (the rule a speculative stream's commit relies
// on too, stream.go), so holding back the file's last byte keeps the
// journal's order (the intent is durable before a request that can
// create an asset exists) without the fsync on the worker's path. In a
// bulk copy each upload waited 1.5 ms (median; 3.4 ms p90) for its
// intent before its POST, which took 14 ms for a 200 KB file on a 10 ms,
// 1 Gbit/s link (docs/performance.md).

import (
	"fmt"
	"os"
)

// spoolBody is read by the API client (api.UploadAsset: Len gives the
// Content-Length, Seek rewinds for a retry). size is the spool's size at
// the attempt's start (the spool does not change while its upload is in
// flight: writes go to a new generation).
type spoolBody struct {
	f      *os.File
	size   int64
	intent *intentWrite
	t      transfer // pos: f's offset, the bytes handed to the request
}

func (b *spoolBody) Read(p []byte) (int, error) {
	if left := b.size - b.t.pos.Load(); left <= int64(len(p)) {
		if left > 1 {
			p = p[:left-1] // all but the last byte, now
		} else if err := b.intent.wait(); err != nil {
			return 0, fmt.Errorf("upload intent not journaled: %w", err)
		}
	}
	n, err := b.f.Read(p)
	b.t.pos.Add(int64(n))
	return n, err
}

func (b *spoolBody) Seek(off int64, whence int) (int64, error) {
	pos, err := b.f.Seek(off, whence)
	if err == nil {
		b.t.pos.Store(pos)
	}
	return pos, err
}

// Len is how many bytes are left after the current offset (api's
// remainingSize).
func (b *spoolBody) Len() int { return int(max(b.size-b.t.pos.Load(), 0)) }
