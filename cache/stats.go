package cache

import "sync/atomic"

// Stats are a Store's counters since it was opened (for metrics).
type Stats struct {
	Hits      int64 // reads whose bytes were all on disk already
	Misses    int64 // reads that had to wait for a download
	Evictions int64 // objects dropped whole to stay within MaxBytes or free a full disk
	Bytes     int64 // bytes held now (Usage)
	MaxBytes  int64 // the bound
}

// storeStats are the counters behind Stats; atomics, updated with Store.mu
// held or not.
type storeStats struct {
	hits, misses, evictions atomic.Int64
}

// read counts one read: a hit when its bytes were present.
func (c *storeStats) read(hit bool) {
	if hit {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
}

// Stats returns the store's counters. Reads served by FUSE passthrough
// (the kernel reading the cached file itself) never reach the store and
// are not counted.
func (s *Store) Stats() Stats {
	return Stats{
		Hits:      s.stats.hits.Load(),
		Misses:    s.stats.misses.Load(),
		Evictions: s.stats.evictions.Load(),
		Bytes:     s.Usage(),
		MaxBytes:  s.opt.MaxBytes,
	}
}
