//go:build !unix

package cache

import "io/fs"

func statBlocks(fs.FileInfo) int64 { return 0 }
