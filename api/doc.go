// Package api is a typed client for Krea's public REST API
// (https://api.krea.ai, OpenAPI spec in testdata/krea-api-openapi.json,
// embedded as package api/spec).
//
// The client's surface (every other package relies on these signatures):
//
//	func New(cfg Config) (*Client, error)
//	func (c *Client) UploadAsset(ctx, file io.Reader, filename, description string) (*Asset, error)
//	func (c *Client) ListAssets(ctx, limit int, cursor string) (*AssetPage, error)
//	func (c *Client) AllAssets(ctx) ([]Asset, error)            // follows the cursor to the end
//	func WithAssetPages(ctx, f func([]Asset)) context.Context   // AllAssets hands f each page as it arrives
//	func (c *Client) GetAsset(ctx, id string) (*Asset, error)
//	func (c *Client) DeleteAsset(ctx, id string) error
//	func (c *Client) ListJobs(ctx, JobListOptions) (*JobPage, error)
//	func (c *Client) AllJobs(ctx, JobListOptions) ([]Job, error)
//	func (c *Client) GetJob(ctx, id string) (*Job, error)
//	func (c *Client) DeleteJob(ctx, id string) error
//	func (c *Client) ListStyles(ctx, StyleListOptions) (*StylePage, error)
//	func (c *Client) AllStyles(ctx, StyleListOptions) ([]Style, error)
//	func (c *Client) GetStyle(ctx, id string) (*Style, error)
//	func (c *Client) PatchStyle(ctx, id string, p StylePatch) (*Style, error)
//	func (c *Client) TrainStyle(ctx, r TrainRequest) (*Job, error)
//	func (c *Client) TrainStyleBody(ctx, body any) (*Job, error)     // any JSON body
//	func (c *Client) Generate(ctx, path string, body any) (*Job, error) // path like "/generate/image/bfl/flux-1-dev"
//	func (c *Client) Fetch(ctx, url string, off, length int64) (*Download, error) // length < 0: to the end
//
// Consistency and safety rules:
//   - The token is sent as "Authorization: Bearer" only to the API's own
//     origin (scheme, host and port of Config.BaseURL), also across
//     redirects. Fetch never sends it. Errors and logs never contain it.
//   - GET and DELETE are retried on 429, 5xx and transport errors with
//     exponential backoff and jitter, honouring Retry-After, bounded in
//     count and total time. POSTs (uploads, generations) are retried only when
//     the request provably never reached the server (dial failure); any
//     other failure is returned to the caller, since a retry could duplicate.
//     Refused(err) says the API refused it (4xx but 401: nothing started);
//     AnswerLost(err) says it may have been received and its answer lost
//     (timeout or reset after writing, 5xx, an unreadable 2xx): unknown
//     whether a job exists (outcome.go).
//   - One request budget per Client (budget.go): a 429 (or a 5xx with
//     Retry-After) holds every request to the API origin, of any caller,
//     until its Retry-After (seconds or HTTP date, capped by
//     MaxRetryAfter) or the backoff delay has passed. File downloads
//     (Fetch) are not held.
//   - All* listings page with Config.PageSize (1000 by default). A
//     timestamp cursor "before T" is followed as "before T + 1ms" and ids
//     already listed are dropped, so items sharing a millisecond are
//     listed exactly once; a tie larger than a page of 1000 is listed as
//     far as one page of 1000 reaches, with one warning naming T (package
//     api/internal/pages).
//     Cursors that are not timestamps are passed back verbatim, and so
//     are all of a listing's cursors once the API refuses a derived one
//     as a bad request (with one warning). A page
//     that fails after its retries is fetched again from its own cursor
//     (twice at most), never from the first page.
//   - Non-2xx answers become *Error, matched with errors.Is against the
//     sentinels (ErrNotFound, ErrRateLimited, ...). Nobody outside this
//     package looks at HTTP status codes.
//   - Decoding is tolerant: unknown fields are ignored, next_cursor and
//     nextCursor are both accepted, nullable numbers are pointers. Error
//     bodies give their message from "error", "message", "detail" (a
//     string, or a 422 list joined as "loc.path: msg; ...").
package api
