package assets

import "github.com/kreafs/kreafs/fs/view"

// The view's naming rules under the names the upload path of this package
// calls them by (upload*.go, assets_write.go, types_by_name.go).
var (
	usableName   = view.UsableName
	classifyName = view.ClassifyName
)

const finalName = view.FinalName
