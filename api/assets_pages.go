package api

import "context"

// A listing's pages as they arrive: a caller that can start work on each
// page of AllAssets before the last one is in (kreafs learns the sizes a
// page lacks while the next pages come) asks for them through the context
// of the call, as net/http/httptrace hands out a request's events. A
// Config or a Remote method would not reach through the wrappers that
// callers put around AllAssets; the context does.

type assetPagesKey struct{}

// WithAssetPages returns a copy of ctx with which AllAssets calls f with
// the assets of each page as soon as it is decoded, in page order, on the
// goroutine that collects the pages: f must return quickly and must not
// keep the slice (its items are moved afterwards). What f sees is a
// superset of what AllAssets returns: an asset listed on two pages is
// seen twice, and a listing that fails later was seen in part.
func WithAssetPages(ctx context.Context, f func([]Asset)) context.Context {
	return context.WithValue(ctx, assetPagesKey{}, f)
}

// assetPagesOf is the function WithAssetPages put in ctx, or nil.
func assetPagesOf(ctx context.Context) func([]Asset) {
	f, _ := ctx.Value(assetPagesKey{}).(func([]Asset))
	return f
}
