package main

// --read-ahead-min and --read-ahead-max: how much a read fetches beyond
// its own bytes (cache/internal/readahead explains the windows).

import (
	"fmt"

	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"
)

// readAheadConfig is the read-ahead the flags ask for, in bytes.
type readAheadConfig struct {
	min int64 // first window of a sequential read
	max int64 // ceiling; 0: no read-ahead
}

// Defaults of the flags: the cache's defaults (a test checks they agree).
const (
	defaultReadAheadMin = "128KiB"
	defaultReadAheadMax = "8MiB"
)

// maxReadAhead bounds --read-ahead-max: more is a typo, not a setting.
const maxReadAhead = 1 << 30

// addReadAheadFlags defines the flags on fl; the returned function, called
// after fl.Parse, checks them.
func addReadAheadFlags(fl *pflag.FlagSet) func() (readAheadConfig, error) {
	lo := fl.String("read-ahead-min", defaultReadAheadMin,
		"first read-ahead window of a sequential read; doubled while reading stays sequential (units: KiB, MiB...)")
	hi := fl.String("read-ahead-max", defaultReadAheadMax,
		"largest read-ahead window (0: fetch only the bytes read, in 128 KiB chunks)")
	return func() (readAheadConfig, error) {
		var c readAheadConfig
		n, err := humanize.ParseBytes(*hi)
		if err != nil || n > maxReadAhead {
			return c, &usageError{fmt.Sprintf("invalid --read-ahead-max %q: want a size such as 8MiB (at most 1GiB), or 0", *hi)}
		}
		c.max = int64(n)
		n, err = humanize.ParseBytes(*lo)
		if err != nil || n == 0 || n > maxReadAhead {
			return c, &usageError{fmt.Sprintf("invalid --read-ahead-min %q: want a positive size such as 128KiB", *lo)}
		}
		c.min = int64(n)
		if c.max > 0 && c.min > c.max && !fl.Changed("read-ahead-min") {
			c.min = c.max // only the ceiling was lowered: the first window follows it
		}
		if c.max > 0 && c.min > c.max {
			return c, &usageError{fmt.Sprintf("--read-ahead-min (%s) is larger than --read-ahead-max (%s)", *lo, *hi)}
		}
		return c, nil
	}
}

// cacheReadAhead is c as cache.Options fields (ReadAhead < 0: off).
func (c readAheadConfig) cacheReadAhead() (lo, hi int64) {
	if c.max == 0 {
		return c.min, -1
	}
	return c.min, c.max
}
