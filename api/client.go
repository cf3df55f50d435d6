package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api/internal/pages"
)

// DefaultBaseURL is Krea's API origin.
const DefaultBaseURL = "https://api.krea.ai"

// Defaults for the zero values of Config.
const (
	DefaultMaxRetries     = 5
	DefaultMaxRetryTime   = 30 * time.Second
	DefaultStallTimeout   = 30 * time.Second
	DefaultRetryBaseDelay = 250 * time.Millisecond
	DefaultRetryMaxDelay  = 8 * time.Second
	DefaultMaxRetryAfter  = 20 * time.Second
	DefaultUserAgent      = "kreafs"
)

// Limits on what the client reads into memory.
const (
	maxJSONBody  = 64 << 20 // a JSON answer larger than this is refused
	maxErrorBody = 64 << 10 // bytes of an error body looked at for a message
	maxMessage   = 1024     // longest error message kept
)

// Config configures a Client. Zero values mean the defaults.
type Config struct {
	// BaseURL is the API's base, DefaultBaseURL when empty. Its origin
	// (scheme, host, port) is the only one that ever receives the token.
	BaseURL string
	// Token is the API key, sent as "Authorization: Bearer <Token>".
	Token string
	// HTTPClient, when set, provides the Transport (and Timeout, Jar) to
	// use. The client installs its own redirect policy and auth on copies;
	// the value passed in is not modified.
	HTTPClient *http.Client
	// UserAgent is sent with every request; DefaultUserAgent when empty.
	UserAgent string
	// MaxRetries bounds the retries of one call (attempts = MaxRetries+1).
	// 0 means DefaultMaxRetries; negative disables retries.
	MaxRetries int
	// MaxRetryTime bounds the time one call spends retrying: no retry is
	// started whose backoff would end later than this after the first
	// attempt began. 0 means DefaultMaxRetryTime.
	MaxRetryTime time.Duration
	// RetryBaseDelay and RetryMaxDelay shape the exponential backoff with
	// full jitter: retry n sleeps a random duration in
	// [0, min(RetryMaxDelay, RetryBaseDelay*2^(n-1))).
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// MaxRetryAfter caps how long a Retry-After header makes us wait.
	MaxRetryAfter time.Duration
	// Log receives one debug line per request and retry; never the token.
	// Nil discards.
	Log logrus.FieldLogger
	// StallTimeout fails a read of a Fetch body that receives no byte for
	// this long (an idle timeout, not a total one). 0 means
	// DefaultStallTimeout; negative disables it.
	StallTimeout time.Duration
	// PageSize is the page size AllAssets, AllJobs and AllStyles ask for
	// (1 to 1000; 0 or out of range: 1000, the API's maximum).
	PageSize int
}

// Client is a Krea API client. It is safe for concurrent use.
type Client struct {
	base      *url.URL // BaseURL without trailing slash
	origin    string   // canonical origin of base
	token     string
	userAgent string
	api       *http.Client // token added by authTransport for the origin only
	files     *http.Client // no token, ever
	log       logrus.FieldLogger

	maxRetries    int
	maxRetryTime  time.Duration
	backoff       backoff
	maxRetryAfter time.Duration
	stallTimeout  time.Duration
	pageSize      int
	budget        budget // shared by all requests to the API origin (budget.go)

	// Injected for tests; time.Now and sleepCtx otherwise.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("api: bad base URL: %v", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("api: base URL must be http or https, not %q", base.Scheme)
	}
	if base.Host == "" {
		return nil, errors.New("api: base URL has no host")
	}
	if base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, errors.New("api: base URL must not carry user info, query or fragment")
	}
	if strings.ContainsAny(cfg.Token, "\r\n") {
		return nil, errors.New("api: token contains a line break")
	}
	c := &Client{
		base:          base,
		origin:        originOf(base),
		token:         cfg.Token,
		userAgent:     cfg.UserAgent,
		log:           cfg.Log,
		maxRetries:    cfg.MaxRetries,
		maxRetryTime:  cfg.MaxRetryTime,
		maxRetryAfter: cfg.MaxRetryAfter,
		stallTimeout:  cfg.StallTimeout,
		pageSize:      cfg.PageSize,
		backoff:       backoff{base: cfg.RetryBaseDelay, max: cfg.RetryMaxDelay},
		now:           time.Now,
		sleep:         sleepCtx,
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.log = l
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxRetryTime <= 0 {
		c.maxRetryTime = DefaultMaxRetryTime
	}
	if c.maxRetryAfter <= 0 {
		c.maxRetryAfter = DefaultMaxRetryAfter
	}
	if c.pageSize <= 0 || c.pageSize > pages.MaxPageLimit {
		c.pageSize = pages.MaxPageLimit
	}
	if c.stallTimeout == 0 {
		c.stallTimeout = DefaultStallTimeout
	}
	if c.backoff.base <= 0 {
		c.backoff.base = DefaultRetryBaseDelay
	}
	if c.backoff.max <= 0 {
		c.backoff.max = DefaultRetryMaxDelay
	}
	if c.backoff.max < c.backoff.base {
		c.backoff.max = c.backoff.base
	}

	var proto http.Client
	if cfg.HTTPClient != nil {
		proto = *cfg.HTTPClient
	}
	transport := proto.Transport
	if transport == nil {
		transport = newTransport()
	}
	userRedirect := proto.CheckRedirect

	api := proto
	api.Transport = &authTransport{base: transport, origin: c.origin, token: c.token}
	api.CheckRedirect = c.checkRedirect(true, userRedirect)
	files := proto
	files.Transport = transport
	files.CheckRedirect = c.checkRedirect(false, userRedirect)
	c.api, c.files = &api, &files
	return c, nil
}

// The default transport's bounds (docs/reliability.md lists them).
const (
	// dialTimeout bounds connecting to the API or a file host.
	dialTimeout = 10 * time.Second
	// keepAlive is the TCP keep-alive period of connections.
	keepAlive = 30 * time.Second
	// tlsHandshakeTimeout bounds the TLS handshake.
	tlsHandshakeTimeout = 10 * time.Second
	// responseHeaderTimeout bounds the wait for an answer's headers once
	// the request was sent.
	responseHeaderTimeout = 60 * time.Second
	// expectContinueTimeout bounds the wait for "100 Continue".
	expectContinueTimeout = time.Second
	// idleConnTimeout is how long an idle connection is kept for reuse.
	idleConnTimeout = 90 * time.Second
	// maxIdleConnsPerHost is how many idle connections to one host are
	// kept for reuse (HTTP/1.1: one per request in flight). It is above
	// what kreafs sends one file host at once (64 size probes while a
	// cold `ls -l` lists, fs/assets/assets_sizes.go, plus parallel
	// reads): a request that finds no idle connection opens one, a TCP
	// and TLS handshake of one to three round trips more.
	maxIdleConnsPerHost = 96
	// maxIdleConns is the idle connections kept to all hosts: the API
	// and the file hosts.
	maxIdleConns = 2 * maxIdleConnsPerHost
)

// newTransport is the default transport: bounded connect, TLS and header
// waits, and enough idle connections per host for many parallel downloads.
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: keepAlive}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		ExpectContinueTimeout: expectContinueTimeout,
		IdleConnTimeout:       idleConnTimeout,
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   maxIdleConnsPerHost,
	}
}

// originOf returns "scheme://host:port" with the default port filled in
// and everything lower-cased.
func originOf(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// authTransport adds the bearer token to requests for exactly one origin,
// at the last moment, so no other hop (redirect, Fetch) can ever carry it.
type authTransport struct {
	base   http.RoundTripper
	origin string
	token  string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if originOf(req.URL) != t.origin {
		if req.Header.Get("Authorization") != "" {
			req = req.Clone(req.Context())
			req.Header.Del("Authorization")
		}
		return t.base.RoundTrip(req)
	}
	if t.token == "" {
		return t.base.RoundTrip(req)
	}
	r2 := req.Clone(req.Context())
	r2.Header.Set("Authorization", "Bearer "+t.token)
	return t.base.RoundTrip(r2)
}

// errRedirect marks a redirect the client refuses; never retried.
var errRedirect = errors.New("redirect refused")

// checkRedirect allows at most 10 http(s) redirects and, for API requests,
// strips Authorization whenever the target leaves the API origin (Go's
// default keeps it for the same host on another port).
func (c *Client) checkRedirect(api bool, user func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if s := req.URL.Scheme; s != "http" && s != "https" {
			return permanent(fmt.Errorf("%w: to non-http(s) scheme %q", errRedirect, s))
		}
		if len(via) >= 10 {
			return permanent(fmt.Errorf("%w: more than 10 redirects", errRedirect))
		}
		if !api || originOf(req.URL) != c.origin {
			req.Header.Del("Authorization")
		}
		if user != nil {
			return user(req, via)
		}
		return nil
	}
}

// endpoint returns the absolute URL of an API path ("/assets/x", already
// escaped) with query.
func (c *Client) endpoint(path string, q url.Values) string {
	s := c.base.String() + path
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

// idPath returns prefix + "/" + escaped id, refusing ids that are empty or
// could change the path's meaning.
func idPath(prefix, id string) (string, error) {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\x00") {
		return "", permanent(fmt.Errorf("api: invalid id %q", id))
	}
	return prefix + "/" + url.PathEscape(id), nil
}

// getByID GETs prefix/{id} and decodes the object with decode.
func getByID[T any](ctx context.Context, c *Client, prefix, id string, decode func(json.RawMessage) (T, error)) (*T, error) {
	op := "GET " + prefix + "/{id}"
	p, err := idPath(prefix, id)
	if err != nil {
		return nil, err
	}
	data, err := c.getJSON(ctx, op, p, nil, nil)
	if err != nil {
		return nil, err
	}
	v, err := decode(data)
	if err != nil {
		return nil, decodeErr(op, err)
	}
	return &v, nil
}

// deleteByID DELETEs prefix/{id}. A 404 is returned as an error matching
// ErrNotFound (also when an earlier, retried attempt did delete it); the
// caller decides whether that counts as success.
func (c *Client) deleteByID(ctx context.Context, prefix, id string) error {
	p, err := idPath(prefix, id)
	if err != nil {
		return err
	}
	_, err = c.doJSON(ctx, &request{method: http.MethodDelete, op: "DELETE " + prefix + "/{id}", url: c.endpoint(p, nil), idempotent: true})
	return err
}

// getJSON performs an idempotent GET of an API path and decodes into out.
func (c *Client) getJSON(ctx context.Context, op, path string, q url.Values, out any) ([]byte, error) {
	body, err := c.doJSON(ctx, &request{method: http.MethodGet, op: op, url: c.endpoint(path, q), idempotent: true})
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return nil, decodeErr(op, err)
		}
	}
	return body, nil
}

// sendJSON performs a non-idempotent request with a JSON body.
func (c *Client) sendJSON(ctx context.Context, method, op, path string, in any) ([]byte, error) {
	data, err := json.Marshal(in)
	if err != nil {
		return nil, permanent(fmt.Errorf("api: %s: encoding request: %w", op, err))
	}
	return c.doJSON(ctx, &request{
		method:      method,
		op:          op,
		url:         c.endpoint(path, nil),
		contentType: "application/json",
		body: func() (io.Reader, int64, error) {
			return bytes.NewReader(data), int64(len(data)), nil
		},
	})
}

// doJSON performs r on the API client and returns the whole 2xx body.
func (c *Client) doJSON(ctx context.Context, r *request) ([]byte, error) {
	r.readBody = true
	res, err := c.send(ctx, c.api, r)
	if err != nil {
		return nil, err
	}
	return res.body, nil
}

// request describes one logical call; send may perform it several times.
type request struct {
	method      string
	op          string // "GET /assets/{id}": a template, never a URL
	url         string
	header      http.Header
	contentType string
	// body returns a fresh body for each attempt (nil func: no body). An
	// error means the body cannot be replayed; the last error is returned.
	body func() (io.Reader, int64, error)
	// idempotent requests are retried on 429, 5xx and transport errors;
	// the others only when they provably never reached the server.
	idempotent bool
	// readBody makes send read the whole 2xx body (at most maxJSONBody)
	// inside the retry loop; otherwise the response is returned open.
	readBody bool
}

// result is the outcome of send.
type result struct {
	resp *http.Response // body open unless request.readBody
	body []byte         // when request.readBody
}

// decodeError turns a non-2xx answer into *Error, reading at most
// maxErrorBody bytes of it. The token is redacted from the message.
func (c *Client) decodeError(resp *http.Response, op string) *Error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return &Error{Status: resp.StatusCode, Message: c.redact(errorMessage(resp.StatusCode, data)), Op: op}
}

// redact removes the token from s (a server might echo it back).
func (c *Client) redact(s string) string {
	if c.token == "" || !strings.Contains(s, c.token) {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[REDACTED]")
}

// cleanErr strips query strings from *url.Error (signed file URLs) and
// redacts the token from anything else that might carry it.
func (c *Client) cleanErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.Fragment, u.User = "", "", nil
			ue.URL = u.String()
		}
	}
	if c.token != "" && strings.Contains(err.Error(), c.token) {
		return errors.New(c.redact(err.Error()))
	}
	return err
}
