// Package styles is MOUNT/styles/ and its hidden .by-id/: one directory
// per style (style.json, its cover and previews), renamed with mv.
//
// # Consistency
//
// Styles are trusted for Config.DirCacheTTL, as the assets listing is
// (docs/jobs-and-styles.md); so is a style fetched by id through .by-id/
// (GET /styles/{id}), which is served from the last answer when a refresh
// fails. A name that cannot be an id
// (view.IDLike) costs no request. When a refresh drops or re-assigns a
// name the kernel knows, its entry is invalidated at once, outside our
// locks.
//
// # Locking
//
// stylesDir.mu guards the styles fetched by id and is never held with
// another lock; none is held while calling the API, the listing, or a
// go-fuse Notify* function (node.Mount.NotifyAsync).
package styles
