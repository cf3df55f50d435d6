package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ErrStalled is matched (errors.Is) by the error of a Fetch body read that
// received no byte for Config.StallTimeout. It counts as Temporary.
var ErrStalled = errors.New("download stalled")

// Fetch GETs bytes [off, off+length) of a file URL (an asset's image_url, a
// job result URL); length < 0 means to the end. It never sends the token,
// and refuses URLs (also redirect targets) that are not http or https.
//
// A Range header is sent unless the whole object is asked for. A 206 answer
// is checked against Content-Range (Size comes from it; "*" gives -1). A 200
// answer to a ranged request (the host ignored Range) is accepted: the first
// off bytes are read and discarded, which costs bandwidth but not
// correctness. Either way Body yields at most length bytes. 416 is an *Error
// matching ErrRangeNotSatisfiable, as is an off at or past the end of a 200
// answer of known size.
//
// Up to the headers, Fetch retries like any GET. Afterwards, a cut body
// shows as a read error (io.ErrUnexpectedEOF or a transport error); the
// caller fetches the rest again from where it got. A read that receives no
// byte for StallTimeout fails with an error matching ErrStalled; a
// cancelled ctx fails reads with ctx's error. The caller closes Body.
func (c *Client) Fetch(ctx context.Context, rawURL string, off, length int64) (*Download, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, permanent(errors.New("api: fetch: malformed URL"))
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return nil, permanent(fmt.Errorf("api: fetch: refusing a %q URL: only http and https are fetched", u.Scheme))
	}
	if u.Host == "" {
		return nil, permanent(errors.New("api: fetch: URL has no host"))
	}
	if off < 0 || length == 0 {
		return nil, permanent(fmt.Errorf("api: fetch: invalid range (offset %d, length %d)", off, length))
	}
	op := "GET " + u.Host + u.EscapedPath()
	if len(op) > 200 {
		op = op[:200] + "..."
	}
	u.User = nil // never send credentials embedded in a URL either
	u.Fragment = ""

	header := http.Header{}
	header.Set("Accept-Encoding", "identity") // ranges and lengths of the stored bytes
	ranged := off > 0 || length >= 0
	if ranged {
		if length < 0 {
			header.Set("Range", fmt.Sprintf("bytes=%d-", off))
		} else {
			header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+length-1))
		}
	}

	rctx, cancel := context.WithCancel(ctx)
	res, err := c.send(rctx, c.files, &request{method: http.MethodGet, op: op, url: u.String(), header: header, idempotent: true})
	if err != nil {
		cancel()
		return nil, err
	}
	resp := res.resp
	fail := func(err error) (*Download, error) {
		resp.Body.Close()
		cancel()
		return nil, err
	}
	d := &Download{
		Offset:      off,
		Length:      -1,
		Size:        -1,
		ContentType: resp.Header.Get("Content-Type"),
		ETag:        resp.Header.Get("ETag"),
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		if t, err := http.ParseTime(lm); err == nil {
			d.LastModified = t
		}
	}
	body := &fetchBody{r: resp.Body, body: resp.Body, ctx: ctx, cancel: cancel, stall: c.stallTimeout, op: op, want: -1}
	if body.stall > 0 {
		body.timer = time.AfterFunc(time.Hour, func() {
			body.stalled.Store(true)
			cancel()
		})
		body.timer.Stop()
	}

	if resp.StatusCode == http.StatusPartialContent {
		start, end, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != off || (length >= 0 && end > off+length-1) {
			return fail(permanent(fmt.Errorf("api: %s: answer's Content-Range %q does not match the range asked for",
				op, resp.Header.Get("Content-Range"))))
		}
		d.Length, d.Size = end-start+1, size
	} else {
		// 200 (or another 2xx): the whole object.
		if resp.ContentLength >= 0 {
			d.Size = resp.ContentLength
		}
		if d.Size >= 0 && off >= d.Size {
			return fail(&Error{Status: http.StatusRequestedRangeNotSatisfiable, Message: "offset at or past the end", Op: op})
		}
		if off > 0 {
			if _, err := io.CopyN(io.Discard, body, off); err != nil {
				if err == io.EOF {
					err = &Error{Status: http.StatusRequestedRangeNotSatisfiable, Message: "offset past the end", Op: op}
				}
				return fail(err)
			}
			body.got = 0
			if d.Size < 0 {
				// Size unknown: make sure something is left past off.
				one := make([]byte, 1)
				n, err := io.ReadFull(body, one)
				if n == 0 {
					if err == io.EOF || err == io.ErrUnexpectedEOF {
						err = &Error{Status: http.StatusRequestedRangeNotSatisfiable, Message: "offset at or past the end", Op: op}
					}
					return fail(err)
				}
				body.r = io.MultiReader(bytes.NewReader(one), body.r)
				body.got = 0
			}
		}
		if d.Size >= 0 {
			d.Length = d.Size - off
		}
	}
	if length >= 0 {
		switch {
		case d.Length < 0: // size unknown: yield at most length
			body.limit = length
		case d.Length > length: // the host sent more than asked for
			d.Length = length
			body.limit = length
		}
	}
	body.want = d.Length
	d.Body = body
	return d, nil
}

// parseContentRange parses "bytes first-last/size" (size may be "*").
func parseContentRange(v string) (first, last, size int64, ok bool) {
	v = strings.TrimSpace(v)
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, sz, found := strings.Cut(strings.TrimSpace(rest), "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err error
	if first, err = strconv.ParseInt(a, 10, 64); err != nil || first < 0 {
		return 0, 0, 0, false
	}
	if last, err = strconv.ParseInt(b, 10, 64); err != nil || last < first {
		return 0, 0, 0, false
	}
	size = -1
	if sz != "*" {
		if size, err = strconv.ParseInt(sz, 10, 64); err != nil || size <= last {
			return 0, 0, 0, false
		}
	}
	return first, last, size, true
}

// fetchBody is a Download's Body: at most limit bytes (when >= 0) of the
// answer; a read that waits longer than stall for a byte fails with
// ErrStalled; an early end when want bytes were promised is
// io.ErrUnexpectedEOF; after ctx ends, reads fail with ctx's error.
type fetchBody struct {
	r       io.Reader // reads body (maybe after a byte put back)
	body    io.ReadCloser
	ctx     context.Context // the caller's
	cancel  context.CancelFunc
	op      string
	stall   time.Duration
	timer   *time.Timer // fires after stall during a Read; nil when disabled
	stalled atomic.Bool
	limit   int64 // -1 or 0 before Fetch sets it: see Read
	want    int64 // bytes promised (Download.Length), -1 when unknown
	got     int64
}

func (b *fetchBody) Read(p []byte) (int, error) {
	if b.limit > 0 {
		if b.got >= b.limit {
			return 0, io.EOF
		}
		if rem := b.limit - b.got; int64(len(p)) > rem {
			p = p[:rem]
		}
	}
	if b.timer != nil {
		b.timer.Reset(b.stall)
	}
	n, err := b.r.Read(p)
	if b.timer != nil {
		b.timer.Stop()
	}
	b.got += int64(n)
	switch {
	case err == nil:
	case err == io.EOF:
		if b.want >= 0 && b.got < b.want {
			err = fmt.Errorf("api: %s: body ended after %d of %d bytes: %w", b.op, b.got, b.want, io.ErrUnexpectedEOF)
		}
	case b.stalled.Load():
		err = fmt.Errorf("api: %s: no data for %v: %w", b.op, b.stall, ErrStalled)
	case b.ctx.Err() != nil:
		err = b.ctx.Err()
	}
	if err == nil && b.limit > 0 && b.got >= b.limit {
		err = io.EOF
	}
	return n, err
}

func (b *fetchBody) Close() error {
	if b.timer != nil {
		b.timer.Stop()
	}
	err := b.body.Close()
	b.cancel()
	return err
}
