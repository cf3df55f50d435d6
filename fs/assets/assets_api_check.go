package assets

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations of assets/'s read path, checked at compile time.
// uploads_api_check.go has the write path's.

// assets/ and assets/.by-id/.
var (
	_ = (gofs.NodeLookuper)((*assetsDir)(nil))
	_ = (gofs.NodeReaddirer)((*assetsDir)(nil))
	_ = (gofs.NodeGetattrer)((*assetsDir)(nil))
	_ = (gofs.NodeUnlinker)((*assetsDir)(nil))
	_ = (gofs.NodeRmdirer)((*assetsDir)(nil))
	_ = (gofs.NodeMkdirer)((*assetsDir)(nil))
	_ = (gofs.NodeSymlinker)((*assetsDir)(nil))
	_ = (gofs.NodeLinker)((*assetsDir)(nil))
	_ = (gofs.NodeFsyncer)((*assetsDir)(nil))
	// Opens of assets/ get an assetsDirHandle (assets_opendir.go), which
	// lists through Readdir and lets the kernel keep the listing.
	_ = (gofs.NodeOpendirHandler)((*assetsDir)(nil))
	_ = (gofs.FileReaddirenter)((*assetsDirHandle)(nil))
	_ = (gofs.FileSeekdirer)((*assetsDirHandle)(nil))
	_ = (gofs.FileReleasedirer)((*assetsDirHandle)(nil))
	_ = (gofs.FileLookuper)((*assetsDirHandle)(nil))

	_ = (gofs.NodeLookuper)((*byIDDir)(nil))
	_ = (gofs.NodeReaddirer)((*byIDDir)(nil))
	_ = (gofs.NodeGetattrer)((*byIDDir)(nil))
	_ = (gofs.NodeUnlinker)((*byIDDir)(nil))
)

// An asset file (its read side and handle are node.File's).
var (
	_ = (gofs.NodeGetattrer)((*assetFile)(nil))
	_ = (gofs.NodeOpener)((*assetFile)(nil))
	_ = (gofs.NodeSetattrer)((*assetFile)(nil))
)
