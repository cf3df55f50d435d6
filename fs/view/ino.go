package view

import "hash/fnv"

// Ino is the inode number of the object named by a kind-prefixed key
// ("asset:<id>", "dir:<path>"...): a 64-bit FNV-1a hash, so the same
// object always gets the same number and concurrent lookups of one asset
// meet in one inode. 0 and 1 (the root) are never produced.
func Ino(key string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	n := h.Sum64()
	if n <= 1 {
		n += 2
	}
	return n
}

// AssetIno is the inode number of an asset, by id.
func AssetIno(id string) uint64 { return Ino("asset:" + id) }
