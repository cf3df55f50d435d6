package queue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

// fakeClock is a manual clock. Advance fires due timers synchronously, in
// order, without holding the clock's lock.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	added  chan struct{} // a token per AfterFunc (non-blocking)
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), added: make(chan struct{}, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	select {
	case c.added <- struct{}{}:
	default:
	}
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.fireLocked()
}

// AdvanceToNext jumps to the earliest pending timer (if any) and fires it.
func (c *fakeClock) AdvanceToNext() bool {
	c.mu.Lock()
	var next *fakeTimer
	for _, t := range c.timers {
		if !t.stopped && (next == nil || t.at.Before(next.at)) {
			next = t
		}
	}
	if next == nil {
		c.mu.Unlock()
		return false
	}
	if next.at.After(c.now) {
		c.now = next.at
	}
	c.fireLocked()
	return true
}

// fireLocked is entered with c.mu held and returns with it released.
func (c *fakeClock) fireLocked() {
	var due, rest []*fakeTimer
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t)
		default:
			rest = append(rest, t)
		}
	}
	c.timers = rest
	c.mu.Unlock()
	sort.SliceStable(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, t := range due {
		t.f()
	}
}

// fakeServer is an in-memory Uploader with fault knobs.
type fakeServer struct {
	clock *fakeClock

	mu        sync.Mutex
	cond      *sync.Cond
	assets    []api.Asset
	hashes    map[string]string // asset id -> sha256 of content
	bodies    map[string][]byte // image_url -> content (Fetch)
	fetches   int               // Fetch calls
	created   map[string]int    // name -> assets created
	posts     int               // UploadAsset calls
	lists     int               // AllAssets calls
	deleted   []string
	notOSFile int // uploads whose reader was not a spool file at offset 0
	seq       int

	// faults, consumed per call
	failBefore   int              // next N uploads: 503 before reading
	failAfter    int              // next N uploads: body received, asset created, then a transport error
	refuse       map[string]error // name -> permanent error
	refuseStream error            // if set: a streamed upload (reader not an *os.File) is read, then refused with it
	deleteFail   int              // next N deletes: 503
	listFail     int              // next N listings: 503
	faultRate    func() (before, after bool)
	blockAfter   chan struct{} // if set: after creating the asset, wait for it (or ctx)
	blockBefore  chan struct{} // if set: before reading, wait for it (or ctx)
	inUpload     chan string   // receives the name when an upload blocks

	// answers (not the stored assets) carry no description, as Krea may
	// do; hosted: image_url is ".../<uuid>/<ms>-<filename>"
	noEcho, hosted bool
}

// answer is a as the server's answers show it.
func (s *fakeServer) answer(a api.Asset) api.Asset {
	if s.noEcho {
		a.Description = ""
	}
	return a
}

func newFakeServer(c *fakeClock) *fakeServer {
	s := &fakeServer{clock: c, hashes: map[string]string{}, bodies: map[string][]byte{}, created: map[string]int{}, refuse: map[string]error{},
		inUpload: make(chan string, 1000)}
	s.cond = sync.NewCond(&s.mu)
	return s
}

var errConnReset = errors.New("read tcp: connection reset by peer")

func (s *fakeServer) UploadAsset(ctx context.Context, r io.Reader, filename, description string) (*api.Asset, error) {
	s.mu.Lock()
	s.posts++
	b, isFile := r.(*spoolBody) // the queue's spool file, not a stream
	if !isFile {
		s.notOSFile++
	} else if off, _ := b.f.Seek(0, io.SeekCurrent); off != 0 {
		s.notOSFile++
	}
	if filename != description {
		s.mu.Unlock()
		return nil, fmt.Errorf("test: filename %q != description %q", filename, description)
	}
	if err := s.refuse[description]; err != nil {
		s.mu.Unlock()
		return nil, err
	}
	before, after := false, false
	if s.failBefore > 0 {
		s.failBefore--
		before = true
	} else if s.failAfter > 0 {
		s.failAfter--
		after = true
	} else if s.faultRate != nil {
		before, after = s.faultRate()
	}
	blockBefore, blockAfter := s.blockBefore, s.blockAfter
	s.mu.Unlock()
	if before {
		return nil, &api.Error{Status: 503, Message: "try later", Op: "POST /assets"}
	}
	if blockBefore != nil {
		s.inUpload <- description
		select {
		case <-blockBefore:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	h := sha256.New()
	body := &smallBody{max: 1 << 20} // Fetch serves small files only (no memory for big ones)
	n, err := io.Copy(io.MultiWriter(h, body), r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if !isFile && s.refuseStream != nil {
		s.mu.Unlock()
		return nil, s.refuseStream
	}
	s.seq++
	size := float64(n)
	a := api.Asset{ID: fmt.Sprintf("asset-%04d", s.seq), Description: description, SizeBytes: &size,
		UploadedAt: s.clock.Now()}
	a.ImageURL = "https://files.example/a/" + a.ID
	if s.hosted {
		a.ImageURL = fmt.Sprintf("https://files.example/3f0c8a1e-2b4d-4c6e-8f00-%012d/%d-%s", s.seq, a.UploadedAt.UnixMilli(), url.PathEscape(filename))
	}
	s.assets = append(s.assets, a)
	s.hashes[a.ID] = hex.EncodeToString(h.Sum(nil))
	if !body.over {
		s.bodies[a.ImageURL] = body.Bytes()
	}
	s.created[description]++
	s.cond.Broadcast()
	s.mu.Unlock()
	if blockAfter != nil {
		s.inUpload <- description
		select {
		case <-blockAfter:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if after {
		return nil, errConnReset
	}
	a = s.answer(a)
	return &a, nil
}

func (s *fakeServer) DeleteAsset(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleteFail > 0 {
		s.deleteFail--
		return &api.Error{Status: 503, Message: "try later", Op: "DELETE /assets/{id}"}
	}
	for i, a := range s.assets {
		if a.ID == id {
			s.assets = append(s.assets[:i], s.assets[i+1:]...)
			s.deleted = append(s.deleted, id)
			s.cond.Broadcast()
			return nil
		}
	}
	return &api.Error{Status: 404, Message: "not found"}
}

func (s *fakeServer) AllAssets(ctx context.Context) ([]api.Asset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	if s.listFail > 0 {
		s.listFail--
		return nil, &api.Error{Status: 500, Message: "boom"}
	}
	out := make([]api.Asset, len(s.assets))
	for i, a := range s.assets {
		out[i] = s.answer(a)
	}
	return out, nil
}

// Fetch serves an asset's bytes by its image_url (arrived.Fetcher).
func (s *fakeServer) Fetch(ctx context.Context, url string, off, length int64) (*api.Download, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches++
	b, ok := s.bodies[url]
	if !ok {
		return nil, &api.Error{Status: 404, Message: "no such file"}
	}
	return &api.Download{Body: io.NopCloser(bytes.NewReader(b)), Length: int64(len(b)), Size: int64(len(b))}, nil
}

// putFrom adds an asset another client uploaded at at: data under desc,
// answered without a description when the server echoes none.
func (s *fakeServer) putFrom(desc string, data []byte, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	sz := float64(len(data))
	a := api.Asset{ID: fmt.Sprintf("other-%04d", s.seq), Description: desc, SizeBytes: &sz, UploadedAt: at}
	a.ImageURL = "https://files.example/a/" + a.ID
	s.assets = append([]api.Asset{a}, s.assets...) // first among equals
	s.bodies[a.ImageURL] = data
	return a.ID
}

// put adds an existing asset (as if uploaded earlier).
func (s *fakeServer) put(name string, size int64, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	sz := float64(size)
	a := api.Asset{ID: fmt.Sprintf("old-%04d", s.seq), Description: name, SizeBytes: &sz, UploadedAt: at}
	s.assets = append(s.assets, a)
	return a.ID
}

func (s *fakeServer) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.assets {
		if a.ID == id {
			return true
		}
	}
	return false
}

// byName returns the live assets named name.
func (s *fakeServer) byName(name string) []api.Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []api.Asset
	for _, a := range s.assets {
		if a.Description == name {
			out = append(out, a)
		}
	}
	return out
}

func (s *fakeServer) hashOf(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hashes[id]
}

func (s *fakeServer) counts() (posts, lists int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts, s.lists
}

// waitCreated waits (real time, bounded) until at least n assets were created in total.
func (s *fakeServer) waitCreated(t *testing.T, n int) {
	t.Helper()
	deadline := time.AfterFunc(20*time.Second, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer deadline.Stop()
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.seqCreatedLocked() < n {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("timed out waiting for %d uploads, have %d", n, s.seqCreatedLocked())
		}
		s.cond.Wait()
	}
}

func (s *fakeServer) seqCreatedLocked() int {
	n := 0
	for _, c := range s.created {
		n += c
	}
	return n
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// smallBody keeps what is written to it unless it grows past max.
type smallBody struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *smallBody) Write(p []byte) (int, error) {
	if !b.over && b.Len()+len(p) <= b.max {
		b.Buffer.Write(p)
	} else if !b.over {
		b.over = true
		b.Reset()
	}
	return len(p), nil
}
