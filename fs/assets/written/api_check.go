package written

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations of a written file, checked at compile time
// (docs/writes.md; package assets checks its directories' own).

// A queued file, its handles, and the handle of a finished one.
var (
	_ = (gofs.NodeGetattrer)((*uploadFile)(nil))
	_ = (gofs.NodeOpener)((*uploadFile)(nil))
	_ = (gofs.NodeSetattrer)((*uploadFile)(nil))
	_ = (gofs.NodeStatfser)((*uploadFile)(nil))

	_ = (gofs.FileReader)((*uploadHandle)(nil))
	_ = (gofs.FileWriter)((*uploadHandle)(nil))
	_ = (gofs.FileFlusher)((*uploadHandle)(nil))
	_ = (gofs.FileFsyncer)((*uploadHandle)(nil))
	_ = (gofs.FileReleaser)((*uploadHandle)(nil))
	_ = (gofs.FileGetattrer)((*uploadHandle)(nil))
	_ = (gofs.FileSetattrer)((*uploadHandle)(nil))
	_ = (gofs.FileAllocater)((*uploadHandle)(nil))

	_ = (gofs.FileReader)((*lazyHandle)(nil))
	_ = (gofs.FileWriter)((*lazyHandle)(nil))
	_ = (gofs.FileFlusher)((*lazyHandle)(nil))
	_ = (gofs.FileFsyncer)((*lazyHandle)(nil))
	_ = (gofs.FileReleaser)((*lazyHandle)(nil))
	_ = (gofs.FileGetattrer)((*lazyHandle)(nil))
	_ = (gofs.FileSetattrer)((*lazyHandle)(nil))
	_ = (gofs.FileAllocater)((*lazyHandle)(nil))
	_ = WriteHandle((*uploadHandle)(nil))

	_ = (gofs.FileReader)((*cachedHandle)(nil))
	_ = (gofs.FileFsyncer)((*cachedHandle)(nil))
	_ = (gofs.FileReleaser)((*cachedHandle)(nil))
)
