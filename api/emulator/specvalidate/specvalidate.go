// Package specvalidate checks HTTP traffic against Krea's OpenAPI spec in
// tests: wrap a client's transport with NewValidatingTransport and every
// request it sends to a path of the spec, and the answer it gets, is
// validated (with kin-openapi, see package spec). Mismatches fail the test
// with t.Errorf; traffic is never altered. Answers may take the shapes
// Krea's newer reference pages document where they differ from the bundled
// spec (nextCursor, a null completed_at or description: see
// spec.ToBundledShape).
//
// Use it from tests only (it imports testing). It is safe for concurrent use.
package specvalidate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kreafs/kreafs/api/emulator/spec"
)

// MaxBufferedBody is the largest request body the transport reads into
// memory to validate; larger bodies (big uploads) are streamed through with
// only their headers, path and parameters validated.
const MaxBufferedBody = 8 << 20

// Options tune the transport.
type Options struct {
	// StrictStatus fails on status codes an operation does not document.
	// Off by default: injected faults (500, 503, 429) are undocumented for
	// most operations. Undocumented error answers must still be JSON with a
	// string "error" (or, for 402, "message").
	StrictStatus bool
}

// NewValidatingTransport returns a RoundTripper that validates, against the
// spec, each request to a path the spec defines (method, path, query,
// headers, bearer presence, body) and its response (status, Content-Type,
// body). Requests to other paths (file downloads) pass unvalidated, but any
// of them carrying an Authorization header to a host other than the API's
// (the host of the first spec request) fails the test: the token must only
// go to the API. base nil means http.DefaultTransport.
func NewValidatingTransport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	return NewValidatingTransportWith(t, base, Options{})
}

// NewValidatingTransportWith is NewValidatingTransport with options.
func NewValidatingTransportWith(t testing.TB, base http.RoundTripper, o Options) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{t: t, base: base, opt: o}
}

type transport struct {
	t    testing.TB
	base http.RoundTripper
	opt  Options

	mu      sync.Mutex
	apiHost string // host of the first request that matched the spec
}

func (v *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, _, err := spec.Route(req); err != nil {
		v.checkForeign(req)
		return v.base.RoundTrip(req)
	}
	v.mu.Lock()
	if v.apiHost == "" {
		v.apiHost = req.URL.Host
	}
	v.mu.Unlock()

	// Read the body (up to a bound) so it can be both validated and sent.
	out := req
	var body []byte
	skipBody := false
	if req.Body != nil && req.Body != http.NoBody {
		buf, err := io.ReadAll(io.LimitReader(req.Body, MaxBufferedBody+1))
		if err != nil {
			req.Body.Close()
			return nil, err
		}
		out = req.Clone(req.Context())
		if len(buf) > MaxBufferedBody {
			skipBody = true
			out.Body = readCloser{io.MultiReader(bytes.NewReader(buf), req.Body), req.Body}
			out.GetBody = nil
		} else {
			req.Body.Close()
			out.Body = io.NopCloser(bytes.NewReader(buf))
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
			body = buf
		}
	}

	check := cloneForValidation(req, body)
	if err := spec.ValidateRequest(req.Context(), check, spec.RequestOptions{SkipBody: skipBody}); err != nil {
		v.t.Errorf("specvalidate: %s", trim(err))
	}

	resp, err := v.base.RoundTrip(out)
	if err != nil {
		return resp, err
	}
	rb, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	if rerr != nil {
		// Deliver what arrived and the error, as the real body would.
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(rb), errReader{rerr}), io.NopCloser(nil)}
		return resp, nil
	}
	v.checkResponse(cloneForValidation(req, body), resp, rb)
	return resp, nil
}

func (v *transport) checkResponse(req *http.Request, resp *http.Response, body []byte) {
	err := spec.ValidateResponse(req.Context(), req, resp.StatusCode, resp.Header, body, spec.ResponseOptions{StrictStatus: v.opt.StrictStatus, Documented: true})
	if err != nil {
		v.t.Errorf("specvalidate: %s", trim(err))
		return
	}
	if resp.StatusCode >= 400 && !Documented(req, resp.StatusCode) {
		if err := CheckErrorBody(resp.StatusCode, body); err != nil {
			v.t.Errorf("specvalidate: %s %s -> %d (undocumented): %v", req.Method, req.URL.Path, resp.StatusCode, err)
		}
	}
}

// checkForeign fails the test when a request to a host other than the API's
// carries an Authorization header.
func (v *transport) checkForeign(req *http.Request) {
	if req.Header.Get("Authorization") == "" {
		return
	}
	v.mu.Lock()
	api := v.apiHost
	v.mu.Unlock()
	if api == "" || req.URL.Host != api {
		v.t.Errorf("specvalidate: %s %s://%s%s carries an Authorization header but is not an API request", req.Method, req.URL.Scheme, req.URL.Host, req.URL.Path)
	}
}

// Documented reports whether the operation of req documents status.
func Documented(req *http.Request, status int) bool {
	route, _, err := spec.Route(req)
	if err != nil || route.Operation.Responses == nil {
		return false
	}
	return route.Operation.Responses.Status(status) != nil
}

// CheckErrorBody checks the shape every Krea error answer has:
// {"error": "..."} (a 402 may say "message" instead).
func CheckErrorBody(status int, body []byte) error {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return errors.New("error answer is not a JSON object: " + trimString(string(body)))
	}
	if s, ok := m["error"].(string); ok && s != "" {
		return nil
	}
	if s, ok := m["message"].(string); ok && s != "" && status == http.StatusPaymentRequired {
		return nil
	}
	return errors.New(`error answer has no "error" string: ` + trimString(string(body)))
}

// cloneForValidation is a copy of req whose body reads body again.
func cloneForValidation(req *http.Request, body []byte) *http.Request {
	c := req.Clone(context.WithoutCancel(req.Context()))
	if body != nil {
		c.Body = io.NopCloser(bytes.NewReader(body))
		c.ContentLength = int64(len(body))
	} else {
		c.Body = http.NoBody
	}
	return c
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// trim keeps kin-openapi's long messages (they embed schemas) readable.
func trim(err error) string { return trimString(err.Error()) }

func trimString(s string) string {
	const max = 3000
	s = strings.TrimSpace(s)
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
