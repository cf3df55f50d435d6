package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/sirupsen/logrus"
)

// UploadAsset uploads file as a new asset (POST /assets, multipart/form-data
// with part "file" and an optional "description" field).
//
// The body streams: it is the multipart framing (a few hundred bytes built
// up front) around file itself, read as the transport sends it, so the file
// is never held in memory. The part's Content-Type is sniffed from the
// first SniffLen bytes (SniffMedia); a type Krea does not accept is still
// sent (the server decides; callers check AcceptedExt/SniffMedia earlier).
// When the remaining size is known (*os.File of a regular file, or a reader
// with Len, like *bytes.Reader) Content-Length is set so the server can
// reject an oversized upload early.
//
// An upload is retried only when it provably never reached the server (no
// connection was obtained), and only when the bytes already read from file
// can be read again: either none were, or file is an io.Seeker. Any other
// failure is returned: a retry could create a duplicate asset.
// UploadAsset does not close file, and returns only after the transport
// has let go of it.
//
// file may be a reader that is still being filled (a speculative upload of
// a file being written): its Read may block until more bytes exist, and
// must return an error, never io.EOF, to give up. The multipart closing
// boundary follows only file's io.EOF, so a request whose file ends in an
// error, or that is cancelled, is not a valid multipart body and creates
// nothing. Without a size the body is sent chunked (HTTP/1.1) or without a
// length (HTTP/2). If file implements RequestDoner, RequestDone is called
// as soon as the request's outcome is known or ctx is done (before
// UploadAsset waits for the transport to let go of the body; the transport
// itself waits for a Read in flight), so that a Read waiting for bytes
// gives up at once. It may be called more than once, from any goroutine.
func (c *Client) UploadAsset(ctx context.Context, file io.Reader, filename, description string) (*Asset, error) {
	const op = "POST /assets"
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(file, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("api: %s: reading file: %w", op, err)
	}
	head = head[:n]
	mimeType, accepted := SniffMedia(head)
	if !accepted {
		c.log.WithFields(logrus.Fields{"op": op, "name": filename, "mime": mimeType}).
			Debug("krea api: uploading a type Krea does not accept; the server will decide")
	}

	// Where the rest of file starts, to rewind to it for a retry.
	seeker, _ := file.(io.Seeker)
	start := int64(-1)
	if seeker != nil {
		if pos, err := seeker.Seek(0, io.SeekCurrent); err == nil {
			start = pos
		}
	}
	rest := remainingSize(file, start)

	prefix, suffix, contentType := multipartFraming(uploadFilename(filename, mimeType), mimeType, description)
	total := int64(-1)
	if rest >= 0 {
		total = int64(len(prefix)+len(head)+len(suffix)) + rest
	}

	var last *uploadBody
	body := func() (io.Reader, int64, error) {
		if last != nil {
			// The transport may close the previous body after Do returned;
			// file must not be read by two attempts at once.
			if !last.waitClosed(ctx) {
				return nil, 0, errNotReplayable
			}
			if last.tail.n > 0 {
				if start < 0 {
					return nil, 0, errNotReplayable
				}
				if _, err := seeker.Seek(start, io.SeekStart); err != nil {
					return nil, 0, errNotReplayable
				}
			}
		}
		last = newUploadBody(prefix, head, file, rest, suffix)
		return last, total, nil
	}
	req := &request{
		method:      http.MethodPost,
		op:          op,
		url:         c.endpoint("/assets", nil),
		contentType: contentType,
		body:        body,
		readBody:    true,
	}
	doner, _ := file.(RequestDoner)
	if doner != nil {
		// A cancelled request is over too, and the transport waits for a
		// Read in flight before it returns.
		defer context.AfterFunc(ctx, doner.RequestDone)()
	}
	res, err := c.send(ctx, c.api, req)
	if doner != nil {
		doner.RequestDone()
	}
	if last != nil && !last.waitClosed(ctx) {
		c.log.WithFields(logrus.Fields{"op": op, "name": filename}).
			Warn("krea api: upload body still held by the transport")
	}
	if err != nil {
		return nil, err
	}
	a, err := decodeAsset(res.body)
	if err != nil {
		return nil, decodeErr(op, err)
	}
	return &a, nil
}

// RequestDoner is implemented by upload sources that want to know when
// their request is over (see UploadAsset).
type RequestDoner interface {
	RequestDone()
}

// multipartFraming returns the bytes before and after the file's content
// and the Content-Type naming the (random) boundary.
func multipartFraming(filename, mimeType, description string) (prefix, suffix []byte, contentType string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if description != "" {
		_ = mw.WriteField("description", description)
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoteEscaper.Replace(filename)))
	h.Set("Content-Type", mimeType)
	_, _ = mw.CreatePart(h)
	prefix = bytes.Clone(buf.Bytes())
	buf.Reset()
	_ = mw.Close()
	return prefix, bytes.Clone(buf.Bytes()), mw.FormDataContentType()
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

// uploadFilename makes name safe for a part header: valid UTF-8, no control
// characters, no directories; a default name from the type when empty.
func uploadFilename(name, mimeType string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '_'
		}
		return r
	}, name)
	if strings.Trim(name, ". ") == "" {
		name = "upload." + ExtForMIME(mimeType)
	}
	return name
}

// remainingSize returns how many bytes file still holds, or -1 when unknown.
// pos is file's current offset for a seekable file, else -1.
func remainingSize(file io.Reader, pos int64) int64 {
	switch f := file.(type) {
	case *os.File:
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() || pos < 0 || st.Size() < pos {
			return -1
		}
		return st.Size() - pos
	case interface{ Len() int }:
		return int64(f.Len())
	}
	return -1
}

// uploadBody is one attempt's body. It records how many bytes were read
// from the caller's reader, and lets UploadAsset wait until the transport
// has closed it and no Read is running (the transport may close a body
// from another goroutine, even while a Read is in flight, and after Do
// returned). Reads after Close fail without touching the caller's reader.
//
// mu guards reading and closed; idle is closed once closed && !reading.
type uploadBody struct {
	r    io.Reader
	tail *countingReader

	mu       sync.Mutex
	reading  bool
	closed   bool
	idleOnce sync.Once
	idle     chan struct{}
}

var errBodyClosed = errors.New("upload body closed")

func newUploadBody(prefix, head []byte, file io.Reader, rest int64, suffix []byte) *uploadBody {
	tail := &countingReader{r: file}
	var r io.Reader = tail
	if rest >= 0 {
		// Content-Length was promised: never send more; fewer makes the
		// transport fail the request.
		r = io.LimitReader(tail, rest)
	}
	return &uploadBody{
		r:    io.MultiReader(bytes.NewReader(prefix), bytes.NewReader(head), r, bytes.NewReader(suffix)),
		tail: tail,
		idle: make(chan struct{}),
	}
}

func (b *uploadBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, errBodyClosed
	}
	b.reading = true
	b.mu.Unlock()

	n, err := b.r.Read(p)

	b.mu.Lock()
	b.reading = false
	if b.closed {
		b.idleOnce.Do(func() { close(b.idle) })
	}
	b.mu.Unlock()
	return n, err
}

// uploadChunk is how much of the body WriteTo hands the transport at a
// time. The transport's own copy uses 32 KiB, and a chunked body (a file
// still being written) then costs three writes per 32 KiB: the chunk
// header, the data and the chunk's end, each a TCP segment.
const uploadChunk = 1 << 20

// uploadBufs holds WriteTo's buffers between uploads: a new 1 MiB buffer
// per upload (zeroed by the runtime) cost a bulk copy of small files more
// CPU than their bytes did.
var uploadBufs = sync.Pool{New: func() any { b := make([]byte, uploadChunk); return &b }}

// WriteTo is used by the transport's copy instead of Read (io.CopyBuffer):
// the same reads, each of up to uploadChunk, each written at once.
func (b *uploadBody) WriteTo(w io.Writer) (int64, error) {
	bp := uploadBufs.Get().(*[]byte)
	defer uploadBufs.Put(bp)
	buf := *bp
	var total int64
	for {
		n, err := b.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func (b *uploadBody) Close() error {
	b.mu.Lock()
	b.closed = true
	if !b.reading {
		b.idleOnce.Do(func() { close(b.idle) })
	}
	b.mu.Unlock()
	return nil
}

// closeWait bounds how long an upload waits for its body to be closed and
// idle after the request ended.
const closeWait = time.Minute

// waitClosed waits until b is closed and idle, ctx ends or closeWait
// passes; it reports whether b is closed and idle.
func (b *uploadBody) waitClosed(ctx context.Context) bool {
	select {
	case <-b.idle:
		return true
	default:
	}
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-b.idle:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
