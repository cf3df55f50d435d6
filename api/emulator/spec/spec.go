// Package spec holds Krea's OpenAPI document (the one package api/spec
// embeds, the same bytes as api/testdata/krea-api-openapi.json) and validates requests and
// responses against it with github.com/getkin/kin-openapi.
//
// The document is OpenAPI 3.1 (type arrays such as ["string","null"]).
// kin-openapi v0.153 understands 3.1 natively: its openapi3filter validates
// 3.1 documents with a JSON Schema 2020-12 validator, so no preprocessing of
// the document is needed. Two adjustments are made after loading:
//   - the document's examples are not validated (several of Krea's own
//     examples miss required fields, e.g. "model" of bloom-enhance), and
//   - servers are dropped so that the router matches a request by path alone,
//     whatever host the emulator listens on.
//
// The loaded document is shared and must be treated as read-only. Validation
// compiles schemas per call and is safe for concurrent use.
package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	apispec "github.com/kreafs/kreafs/api/spec"
)

// JSON is Krea's OpenAPI document as published.
var JSON = apispec.JSON

type loaded struct {
	doc    *openapi3.T
	router routers.Router
}

var load = sync.OnceValues(func() (*loaded, error) {
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(JSON)
	if err != nil {
		return nil, fmt.Errorf("spec: load: %w", err)
	}
	doc.Servers = nil
	r, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, fmt.Errorf("spec: router: %w", err)
	}
	return &loaded{doc: doc, router: r}, nil
})

// Doc returns the loaded document (shared; read-only).
func Doc() (*openapi3.T, error) {
	l, err := load()
	if err != nil {
		return nil, err
	}
	return l.doc, nil
}

// GeneratePaths returns every POST /generate/... path of the document, sorted.
func GeneratePaths() ([]string, error) {
	doc, err := Doc()
	if err != nil {
		return nil, err
	}
	var out []string
	for p, item := range doc.Paths.Map() {
		if strings.HasPrefix(p, "/generate/") && item.Post != nil {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ErrNoRoute is returned (wrapped) when a request matches no operation of the
// document.
var ErrNoRoute = errors.New("no operation of the spec matches")

// Route finds the operation of r.
func Route(r *http.Request) (*routers.Route, map[string]string, error) {
	l, err := load()
	if err != nil {
		return nil, nil, err
	}
	route, params, err := l.router.FindRoute(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s %s: %v", ErrNoRoute, r.Method, r.URL.Path, err)
	}
	return route, params, nil
}

// bearerPresent is the AuthenticationFunc: the request must carry
// "Authorization: Bearer <something>". Whether the token is right is the
// server's business, not the spec's.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if in.SecurityScheme != nil && in.SecurityScheme.Type == "http" &&
		strings.EqualFold(in.SecurityScheme.Scheme, "bearer") {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return nil
		}
		return errors.New("no Authorization: Bearer header")
	}
	return nil
}

// RequestOptions tune ValidateRequest.
type RequestOptions struct {
	// SkipBody skips request body validation (e.g. a huge upload).
	SkipBody bool
	// SkipSecurity skips the bearer-token check (to validate the shape of a
	// request sent without a token on purpose).
	SkipSecurity bool
}

// ValidateRequest validates r (method, path, query, headers, body, bearer
// presence) against the spec. r.Body is read and replaced by an equivalent
// reader, so r can still be sent or served afterwards.
func ValidateRequest(ctx context.Context, r *http.Request, o RequestOptions) error {
	route, params, err := Route(r)
	if err != nil {
		return err
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc: bearerPresent,
		ExcludeRequestBody: o.SkipBody,
		MultiError:         true,
	}
	if o.SkipSecurity {
		opts.AuthenticationFunc = openapi3filter.NoopAuthenticationFunc
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return fmt.Errorf("%s %s: request does not match the spec: %w", r.Method, r.URL.Path, err)
	}
	return nil
}

// ResponseOptions tune ValidateResponse.
type ResponseOptions struct {
	// StrictStatus fails on a status code the operation does not document.
	StrictStatus bool
	// Documented accepts the answer shapes Krea's reference pages document
	// where they differ from the bundled spec (see ToBundledShape): they are
	// checked, rewritten into the bundled shape, then validated.
	Documented bool
}

// ValidateResponse validates an answer (status, Content-Type, body) to r
// against the operation r matches.
func ValidateResponse(ctx context.Context, r *http.Request, status int, header http.Header, body []byte, o ResponseOptions) error {
	route, params, err := Route(r)
	if err != nil {
		return err
	}
	reqIn := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn,
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: o.StrictStatus, MultiError: true},
	}
	if o.Documented {
		if body, err = ToBundledShape(r.Method, route.Path, status, body); err != nil {
			return err
		}
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return fmt.Errorf("%s %s -> %d: response does not match the spec: %w", r.Method, r.URL.Path, status, err)
	}
	return nil
}

// ValidateJSONBody validates a JSON request body for the operation
// method+path (e.g. "POST", "/generate/image/bfl/flux-1-dev") and returns a
// short, one-line reason when it does not match. The emulator uses it to
// answer 400 like Krea does.
func ValidateJSONBody(ctx context.Context, method, path string, body []byte) error {
	r, err := http.NewRequestWithContext(ctx, method, "http://emulator"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	route, params, err := Route(r)
	if err != nil {
		return err
	}
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if route.Operation.RequestBody == nil || route.Operation.RequestBody.Value == nil {
		return nil
	}
	if err := openapi3filter.ValidateRequestBody(ctx, in, route.Operation.RequestBody.Value); err != nil {
		return errors.New(ShortReason(err))
	}
	return nil
}

// ShortReason turns a kin-openapi validation error (which embeds the schema
// and the value over many lines) into its first line.
func ShortReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "\nSchema:"); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return msg
}
