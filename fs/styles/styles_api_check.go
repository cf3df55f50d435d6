package styles

import (
	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The FUSE operations the styles/ nodes implement, checked at compile time.

// styles/
var (
	_ = (gofs.NodeOnAdder)((*stylesDir)(nil))
	_ = (gofs.NodeLookuper)((*stylesDir)(nil))
	_ = (gofs.NodeReaddirer)((*stylesDir)(nil))
	_ = (gofs.NodeGetattrer)((*stylesDir)(nil))
	_ = (gofs.NodeRenamer)((*stylesDir)(nil))
	_ = (gofs.NodeMkdirer)((*stylesDir)(nil))
	_ = (gofs.NodeRmdirer)((*stylesDir)(nil))
	_ = (gofs.NodeCreater)((*stylesDir)(nil))
	_ = (gofs.NodeSymlinker)((*stylesDir)(nil))
	_ = (gofs.NodeLinker)((*stylesDir)(nil))
)

// styles/.by-id/
var (
	_ = (gofs.NodeLookuper)((*styleByIDDir)(nil))
	_ = (gofs.NodeReaddirer)((*styleByIDDir)(nil))
	_ = (gofs.NodeGetattrer)((*styleByIDDir)(nil))
	_ = (gofs.NodeMkdirer)((*styleByIDDir)(nil))
	_ = (gofs.NodeRmdirer)((*styleByIDDir)(nil))
	_ = (gofs.NodeRenamer)((*styleByIDDir)(nil))
	_ = (gofs.NodeCreater)((*styleByIDDir)(nil))
)

// One style's directory and its style.json.
var (
	_ = (gofs.NodeLookuper)((*styleDir)(nil))
	_ = (gofs.NodeReaddirer)((*styleDir)(nil))
	_ = (gofs.NodeGetattrer)((*styleDir)(nil))
	_ = (gofs.NodeUnlinker)((*styleDir)(nil))
	_ = (gofs.NodeRmdirer)((*styleDir)(nil))
	_ = (gofs.NodeMkdirer)((*styleDir)(nil))
	_ = (gofs.NodeCreater)((*styleDir)(nil))
	_ = (gofs.NodeRenamer)((*styleDir)(nil))
	_ = (gofs.NodeSymlinker)((*styleDir)(nil))
	_ = (gofs.NodeLinker)((*styleDir)(nil))

	_ = (gofs.NodeGetattrer)((*styleJSONFile)(nil))
	_ = (gofs.NodeOpener)((*styleJSONFile)(nil))
	_ = (gofs.NodeSetattrer)((*styleJSONFile)(nil))
)

// Deliberately not implemented (go-fuse's default answer in brackets):
//
//   - Rename of a style into another directory: refused with EPERM in
//     stylesDir.Rename (mv would otherwise copy and delete).
//   - Deleting a style (rmdir): the API has no endpoint; EPERM.
//   - Changing a style's previews or cover by writing files: EPERM (PATCH
//     can set urls and cover_url, but only to URLs, not to bytes).
