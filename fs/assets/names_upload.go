package assets

import "github.com/kreafs/kreafs/fs/view"

// The view's naming rules under the names the upload path of this package
// calls them by (assets_write.go, tree_written.go, types_by_name.go;
// package written calls view's own). Names of the upload path are paths
// under assets/ ("album/beach.png" for a file in a folder): the queue
// uploads a path as the asset's description.
var (
	usableName   = view.UsablePath
	classifyName = view.ClassifyPath
)

const finalName = view.FinalName
