package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// backoff is exponential backoff with full jitter.
type backoff struct {
	base, max time.Duration
	rand      func(n int64) int64 // [0, n); rand.Int64N unless injected
}

// ceiling is the upper bound of the n-th retry's delay (n >= 1):
// min(max, base*2^(n-1)).
func (b backoff) ceiling(n int) time.Duration {
	d := b.base
	for i := 1; i < n && d < b.max; i++ {
		d *= 2
	}
	if d > b.max {
		d = b.max
	}
	return d
}

// delay is a random duration in [0, ceiling(n)).
func (b backoff) delay(n int) time.Duration {
	c := int64(b.ceiling(n))
	if c <= 0 {
		return 0
	}
	r := rand.Int64N
	if b.rand != nil {
		r = b.rand
	}
	return time.Duration(r(c))
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. ok is false when the header is absent or malformed. Past dates
// give 0.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d = t.Sub(now); d < 0 {
		d = 0
	}
	return d, true
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// permanentError marks a failure that no retry can fix (a refused
// redirect or URL, an invalid id, an undecodable answer). Neither send nor
// Temporary retries it.
type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }

func permanent(err error) error { return &permanentError{err} }

// errNotReplayable is returned by a request's body func when a retry would
// need to read the body again and cannot.
var errNotReplayable = errors.New("request body cannot be replayed")

// send performs r with hc, retrying as the rules in doc.go say. On success
// the answer is 2xx; a non-2xx answer is returned as *Error.
func (c *Client) send(ctx context.Context, hc *http.Client, r *request) (*result, error) {
	start := c.now()
	var lastErr error
	isAPI := hc == c.api
	var waited time.Time // the shared hold this call's last retry delay covered
	for attempt := 1; ; attempt++ {
		if isAPI && !c.budget.until().Equal(waited) {
			if err := c.waitBudget(ctx, r.op); err != nil {
				if lastErr != nil {
					return nil, fmt.Errorf("api: %s: %w (while waiting to retry after: %v)", r.op, err, lastErr)
				}
				return nil, fmt.Errorf("api: %s: %w", r.op, err)
			}
		}
		res, reached, retryAfter, err := c.attempt(ctx, hc, r, attempt)
		var apiErr *Error
		if isAPI && errors.As(err, &apiErr) {
			c.noteAnswer(r.op, apiErr.Status, retryAfter, attempt)
		}
		if err == nil {
			return res, nil
		}
		if !r.idempotent && answerMayBeLost(reached, err) {
			return nil, &lostError{err} // never retried: a second POST could start a second job
		}
		if errors.Is(err, errNotReplayable) && lastErr != nil {
			return nil, lastErr
		}
		lastErr = err
		if ctx.Err() != nil {
			return nil, err
		}
		if !c.retryable(r, err, reached) || attempt > c.maxRetries {
			return nil, err
		}
		d := c.backoff.delay(attempt)
		if retryAfter >= 0 {
			d = min(retryAfter, c.maxRetryAfter)
		}
		now := c.now()
		if isAPI {
			// The retry waits for the shared hold too (set by this answer
			// or another caller's), and then need not wait for it again.
			waited = c.budget.until()
			d = max(d, waited.Sub(now))
		}
		if now.Add(d).Sub(start) > c.maxRetryTime {
			return nil, err
		}
		if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
			return nil, err
		}
		c.log.WithFields(logrus.Fields{
			"op": r.op, "attempt": attempt, "delay": d, "error": err.Error(),
		}).Debug("krea api: retrying")
		if serr := c.sleep(ctx, d); serr != nil {
			return nil, fmt.Errorf("api: %s: %w (while waiting to retry after: %v)", r.op, serr, err)
		}
	}
}

// attempt performs r once. reached reports whether the request may have
// reached the server (a connection was obtained); retryAfter is the
// Retry-After delay of a 429/5xx answer, or -1.
func (c *Client) attempt(ctx context.Context, hc *http.Client, r *request, n int) (res *result, reached bool, retryAfter time.Duration, err error) {
	retryAfter = -1
	var body io.Reader
	size := int64(-1)
	if r.body != nil {
		if body, size, err = r.body(); err != nil {
			return nil, false, retryAfter, err
		}
	}
	var gotConn atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), r.method, r.url, body)
	if err != nil {
		return nil, false, retryAfter, &permanentError{fmt.Errorf("api: %s: %w", r.op, c.cleanErr(err))}
	}
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", c.userAgent)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}

	t0 := time.Now()
	resp, err := hc.Do(req)
	fields := logrus.Fields{"op": r.op, "method": r.method, "attempt": n}
	if err != nil {
		err = c.cleanErr(err)
		fields["duration"] = time.Since(t0).Round(time.Microsecond)
		fields["error"] = err.Error()
		c.log.WithFields(fields).Debug("krea api request failed")
		return nil, gotConn.Load(), retryAfter, err
	}
	fields["status"] = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := c.decodeError(resp, r.op)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
				retryAfter = d
			}
		}
		fields["duration"] = time.Since(t0).Round(time.Microsecond)
		c.log.WithFields(fields).Debug("krea api request")
		return nil, true, retryAfter, apiErr
	}
	res = &result{resp: resp}
	if r.readBody {
		data, rerr := readAllSized(resp.Body, resp.ContentLength, maxJSONBody+1)
		resp.Body.Close()
		fields["duration"] = time.Since(t0).Round(time.Microsecond)
		if rerr != nil {
			rerr = c.cleanErr(rerr)
			fields["error"] = rerr.Error()
			c.log.WithFields(fields).Debug("krea api request: reading answer failed")
			return nil, true, retryAfter, fmt.Errorf("api: %s: reading answer: %w", r.op, rerr)
		}
		if len(data) > maxJSONBody {
			return nil, true, retryAfter, &permanentError{fmt.Errorf("api: %s: answer larger than %d bytes", r.op, maxJSONBody)}
		}
		res.body = data
	} else {
		fields["duration"] = time.Since(t0).Round(time.Microsecond)
	}
	c.log.WithFields(fields).Debug("krea api request")
	return res, true, retryAfter, nil
}

// retryable decides whether err (from an attempt of r) is worth another
// attempt. Cancellations and permanent failures never are; answers 429
// and 5xx and transport errors are for idempotent requests; other requests
// are retried only when they provably never reached the server.
func (c *Client) retryable(r *request, err error, reached bool) bool {
	if isContextErr(err) {
		return false
	}
	var perm *permanentError
	if errors.As(err, &perm) || errors.Is(err, errRedirect) || errors.Is(err, errNotReplayable) || isCertError(err) {
		return false
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return r.idempotent && Temporary(apiErr)
	}
	if r.idempotent {
		return true
	}
	return !reached || isDialError(err)
}

// isDialError reports whether err happened while connecting, before any
// byte of the request was written.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func isCertError(err error) bool {
	var v *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &v) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}
