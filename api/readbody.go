package api

import (
	"bytes"
	"io"
)

// readAllSized is io.ReadAll(io.LimitReader(r, limit)) that starts with a
// buffer of the size the answer announced (hint, its Content-Length; <= 0
// when unknown). io.ReadAll grows from 512 bytes by doubling: for a page
// of 1000 assets (265 KB) that is about 20 allocations and 0.5 MB copied,
// the largest allocation of a cold listing of 10,000 assets.
func readAllSized(r io.Reader, hint, limit int64) ([]byte, error) {
	if hint <= 0 || hint >= limit {
		return io.ReadAll(io.LimitReader(r, limit))
	}
	// bytes.MinRead spare: Buffer.ReadFrom wants that much room before
	// each read, including the last one that finds EOF.
	buf := bytes.NewBuffer(make([]byte, 0, hint+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, limit))
	return buf.Bytes(), err
}
