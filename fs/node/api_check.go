package node

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations of the shared node types, checked at compile time.

// A file read through the content cache (File), its open handle, a
// downloaded file of jobs/ or styles/, and a generated file's handle.
var (
	_ = (gofs.NodeGetattrer)((*File)(nil))
	_ = (gofs.NodeOpener)((*File)(nil))
	_ = (gofs.NodeStatfser)((*File)(nil))

	_ = (gofs.FileReader)((*fileHandle)(nil))
	_ = (gofs.FileReleaser)((*fileHandle)(nil))
	_ = (gofs.FilePassthroughFder)((*fileHandle)(nil))
	_ = (gofs.FileFsyncer)((*fileHandle)(nil))
	_ = (gofs.FileFlusher)((*fileHandle)(nil))

	_ = (gofs.NodeGetattrer)((*mediaFile)(nil))
	_ = (gofs.NodeOpener)((*mediaFile)(nil))
	_ = (gofs.NodeSetattrer)((*mediaFile)(nil))

	_ = (gofs.FileReader)((*BytesHandle)(nil))
)
