package api

import "io"

// readAllSized is io.ReadAll(io.LimitReader(r, limit)) that starts with a
// buffer of the size the answer announced (hint, its Content-Length; <= 0
// when unknown). io.ReadAll grows from 512 bytes by doubling: for a page
// of 1000 assets (265 KB) that is about 20 allocations and 0.5 MB copied,
// and it was the largest allocation of a cold listing of 10,000 assets
// once the rest was trimmed (issue 6 alloc profile).
func readAllSized(r io.Reader, hint, limit int64) ([]byte, error) {
	if hint <= 0 || hint >= limit {
		return io.ReadAll(io.LimitReader(r, limit))
	}
	b := make([]byte, 0, hint+1) // +1: the read that finds EOF needs no growth
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) { // longer than announced: go on as io.ReadAll would
			more, err := io.ReadAll(io.LimitReader(r, limit-int64(len(b))))
			return append(b, more...), err
		}
	}
}
