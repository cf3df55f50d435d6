package queue

// Bytes sent of the uploads running now, as their request bodies are
// read by the HTTP transport: what MOUNT/.kreafs/uploads shows as sent,
// speed and time left. The queue's Uploader is wrapped at Open; every
// UploadAsset registers its spool file for as long as the call runs. A
// retry rewinds the file (Seek), and the count with it.
//
// Locking: progressTable.mu guards its map; a transfer's counters are
// atomics (read by Progress while the transport reads the body). A
// stream's bytes are read under its Stream.mu, with progressTable.mu not
// held.

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload/queue/internal/arrived"
)

// Transfer is the running upload of one spool file.
type Transfer struct {
	Sent    int64     // bytes of the file handed to the request so far
	Started time.Time // when this attempt started
}

// Progress returns the running upload of the item whose spool file is
// spool (Item.Spool), if one runs.
func (q *Queue) Progress(spool string) (Transfer, bool) {
	return q.prog.get(spool)
}

type progressTable struct {
	done atomic.Int64 // uploads the API accepted (UploadAsset without error)

	mu sync.Mutex
	m  map[string]*transfer
}

// Stats counts the queue's files by state, and the uploads done.
type Stats struct {
	Queued   int   // writing or pending (held names are not counted)
	InFlight int   // uploading
	Failed   int   // refused for good, kept until removed
	Done     int64 // uploads the API accepted since Open (a streamed one counts once)
}

// Stats returns the queue's counts now.
func (q *Queue) Stats() Stats {
	st := Stats{Done: q.prog.done.Load()}
	for _, it := range q.Items() {
		switch it.State {
		case Writing, Pending:
			st.Queued++
		case Uploading:
			st.InFlight++
		case Failed:
			st.Failed++
		}
	}
	return st
}

type transfer struct {
	started time.Time
	pos     atomic.Int64 // offset in the spool file the body has read up to
	stream  *Stream      // a stream's body counts in Stream.sent instead
}

func newProgressTable() *progressTable { return &progressTable{m: map[string]*transfer{}} }

func (p *progressTable) get(spool string) (Transfer, bool) {
	if p == nil {
		return Transfer{}, false
	}
	p.mu.Lock()
	t := p.m[spool]
	p.mu.Unlock()
	if t == nil {
		return Transfer{}, false
	}
	sent := t.pos.Load()
	if s := t.stream; s != nil {
		s.mu.Lock()
		sent = s.sent
		s.mu.Unlock()
	}
	return Transfer{Sent: sent, Started: t.started}, true
}

// add registers the upload of spool; the returned func ends it.
func (p *progressTable) add(spool string, t *transfer) func() {
	t.started = time.Now()
	p.mu.Lock()
	p.m[spool] = t
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		if p.m[spool] == t {
			delete(p.m, spool)
		}
		p.mu.Unlock()
	}
}

// wrap returns u counting the bytes of the spool files it uploads. The
// result can fetch hosted bytes (arrived.Fetcher) when u can.
func (p *progressTable) wrap(u Uploader) Uploader {
	c := &countingUploader{Uploader: u, p: p}
	if f, ok := u.(arrived.Fetcher); ok {
		return &countingFetcher{countingUploader: c, fetch: f}
	}
	return c
}

type countingUploader struct {
	Uploader
	p *progressTable
}

type countingFetcher struct {
	*countingUploader
	fetch arrived.Fetcher
}

func (c *countingFetcher) Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error) {
	return c.fetch.Fetch(ctx, url, off, length)
}

func (c *countingUploader) UploadAsset(ctx context.Context, file io.Reader, filename, description string) (a *api.Asset, err error) {
	defer func() {
		if err == nil {
			c.p.done.Add(1)
		}
	}()
	switch f := file.(type) {
	case *spoolBody:
		defer c.p.add(f.f.Name(), &f.t)()
	case *streamBody:
		if s := (*Stream)(f); s.f != nil {
			defer c.p.add(s.f.Name(), &transfer{stream: s})()
		}
	}
	return c.Uploader.UploadAsset(ctx, file, filename, description)
}
