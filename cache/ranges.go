package cache

import "github.com/kreafs/kreafs/cache/internal/ranges"

// An object's byte ranges and the set of those present are
// cache/internal/ranges; these short names are the store's.
type (
	span  = ranges.Span
	spans = ranges.Set
)

// maxOffset stands for "the end of an object of unknown size".
const maxOffset = ranges.MaxOffset
