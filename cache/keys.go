package cache

// AssetKey is asset id's key in the content store. The bytes of job
// results and style images are kept under AssetKey of their own key
// ("job/<id>/<n>"), since the same file node serves them.
func AssetKey(id string) string { return "asset/" + id }
