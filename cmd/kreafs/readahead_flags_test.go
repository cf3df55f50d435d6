package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/dustin/go-humanize"

	"github.com/kreafs/kreafs/cache"
)

func TestReadAheadFlags(t *testing.T) {
	home := map[string]string{"HOME": "/home/u"}
	for _, tc := range []struct {
		story  string
		args   []string
		lo, hi int64  // what the cache gets
		bad    string // substring of the usage error; "" means valid
	}{
		{"defaults are the cache's", nil, cache.DefaultReadAheadMin, cache.DefaultReadAhead, ""},
		{"both set", []string{"--read-ahead-min", "512KiB", "--read-ahead-max", "32MiB"}, 512 << 10, 32 << 20, ""},
		{"decimal units", []string{"--read-ahead-min", "500kB", "--read-ahead-max", "4MB"}, 500e3, 4e6, ""},
		{"equal: one window size from the start", []string{"--read-ahead-min", "8MiB"}, 8 << 20, 8 << 20, ""},
		{"a ceiling below the default first window lowers it too", []string{"--read-ahead-max", "64KiB"}, 64 << 10, 64 << 10, ""},
		{"max 0 turns read-ahead off", []string{"--read-ahead-max", "0"}, cache.DefaultReadAheadMin, -1, ""},
		{"min above max", []string{"--read-ahead-min", "16MiB"}, 0, 0, "larger than --read-ahead-max"},
		{"both given, min above max", []string{"--read-ahead-min", "1MiB", "--read-ahead-max", "512KiB"}, 0, 0, "larger than --read-ahead-max"},
		{"zero min", []string{"--read-ahead-min", "0"}, 0, 0, "--read-ahead-min"},
		{"not a size", []string{"--read-ahead-max", "lots"}, 0, 0, "--read-ahead-max"},
		{"absurd max", []string{"--read-ahead-max", "2TiB"}, 0, 0, "--read-ahead-max"},
	} {
		t.Run(tc.story, func(t *testing.T) {
			c, _, err := parseMountFlags(append(tc.args, "/mnt"), env(home))
			if tc.bad != "" {
				var ue *usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.bad) {
					t.Errorf("error %v, want a usage error about %q", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if lo, hi := c.readAhead.cacheReadAhead(); lo != tc.lo || hi != tc.hi {
				t.Errorf("cache read-ahead %d..%d, want %d..%d", lo, hi, tc.lo, tc.hi)
			}
		})
	}
	for flag, want := range map[string]int64{defaultReadAheadMin: cache.DefaultReadAheadMin, defaultReadAheadMax: cache.DefaultReadAhead} {
		if n, err := humanize.ParseBytes(flag); err != nil || int64(n) != want {
			t.Errorf("flag default %q is %d (%v), the cache's is %d", flag, n, err, want)
		}
	}
}
