package assets

// Saving over a file a program reads with FUSE passthrough.
//
// The kernel lets no open of another mode join an inode open in
// passthrough mode (it fails such an open with EINVAL), and an open for
// writing can never be passthrough (its writes go to a spool). So an open
// for writing of an asset that is read with passthrough cannot use that
// inode. Instead the asset's name moves to a new inode: its generation is
// bumped, so every later lookup answers with a new inode number, and the
// open answers ESTALE. Linux retries an open that failed with ESTALE once,
// revalidating each name on the path with the file system (LOOKUP_REVAL):
// the lookup now answers another inode, and the open goes to that one,
// which no reader holds. The reader keeps the old inode and the old bytes
// (the content cache keeps a file a reader has open even when the old
// asset is deleted after its replacement's upload), as on a local file
// system after a rename over a file someone has open.
//
// Locking: assetGens.mu guards m; it is a leaf lock.

import (
	"strconv"
	"sync"

	"github.com/kreafs/kreafs/fs/node"
)

// assetGens are the inode generations of assets whose name moved to a new
// inode (absent: generation 0, the inode node.AssetIno gives).
type assetGens struct {
	mu sync.Mutex
	m  map[string]uint64
}

// assetGenIno is the inode number of generation gen of asset id.
func assetGenIno(id string, gen uint64) uint64 {
	if gen == 0 {
		return node.AssetIno(id)
	}
	return node.InoFor("asset:" + id + "#" + strconv.FormatUint(gen, 10))
}

// ino is the inode number lookups of asset id answer with now.
func (g *assetGens) ino(id string) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return assetGenIno(id, g.m[id])
}

// moveFrom makes later lookups of asset id answer with a new inode, if
// they still answer with ino (concurrent writers move it once).
func (g *assetGens) moveFrom(id string, ino uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if assetGenIno(id, g.m[id]) != ino {
		return
	}
	if g.m == nil {
		g.m = map[string]uint64{}
	}
	g.m[id]++
}
