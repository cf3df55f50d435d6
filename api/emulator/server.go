package emulator

// Locking (see also doc.go):
//   - Server.mu guards st (the whole persisted state), the by-id maps, dirty
//     and uploads. Handlers take it for short, in-memory work only: never
//     across network I/O, file uploads or image rendering.
//   - rngMu guards rng (fault, cut and job-failure dice).
//   - statsMu guards apiReqs and fileReqs.
//   - Knobs (fault rate, latency, ...) and authLeaked are atomics and need
//     no lock.
// No two of these mutexes are ever held at the same time.

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// DefaultToken is the bearer token when Options.Token is empty.
const DefaultToken = "kreafs-emulator"

// Options configure a Server. The zero value is a usable, empty, fault-free
// emulator with a temporary data directory.
type Options struct {
	// Token is the bearer token every API request must carry
	// (default DefaultToken).
	Token string
	// DataDir holds state.json and the files; state survives a restart with
	// the same DataDir. "" means a temporary directory removed by Close.
	DataDir string
	// SeedAssets, SeedJobs and SeedStyles create that many synthetic objects
	// when DataDir holds no state yet (see doc.go for what they look like).
	SeedAssets, SeedJobs, SeedStyles int
	// JobDuration is how long a new job takes from queued to completed
	// (default 3s; negative means instant).
	JobDuration time.Duration
	// JobFailRate is the share of new jobs that end "failed" with an error.
	JobFailRate float64
	// Latency is added to every API request (not to file downloads).
	Latency time.Duration
	// Bandwidth caps each file download to this many bytes per second
	// (0 = no cap).
	Bandwidth int64
	// FaultRate is the share of API answers replaced by 500, 503 or 429
	// (429 with Retry-After: 1).
	FaultRate float64
	// FaultAfterWrite makes injected faults on POST, PATCH and DELETE happen
	// after the change took effect (the server got and applied the request,
	// then the answer was lost), as a proxy timeout would. Default: the
	// fault replaces the request before it has any effect.
	FaultAfterWrite bool
	// CutRate is the share of file downloads whose connection is closed
	// part way through the body.
	CutRate float64
	// RequireLength answers 411 Length Required to a POST /assets whose
	// body has no Content-Length (sent chunked), as some proxies do; kreafs
	// streams uploads that way while a file is still being written.
	RequireLength bool
	// NoCredits answers 402 {"error": "You have run out of credits."} to
	// every generation and training POST, as Krea does for an account
	// without credits (SetNoCredits changes it while running).
	NoCredits bool
	// MaxConcurrentJobs: past this many unfinished jobs, new jobs are
	// "backlogged" until a slot frees, as Krea documents (with
	// RefuseOverLimit: refused with 429). 0 = unlimited.
	MaxConcurrentJobs int
	// RandSeed seeds the dice of faults, cuts and job failures (0: a fixed
	// default, so runs are reproducible).
	RandSeed uint64
	// Log receives one line per request at debug level and notable events at
	// info. Default: a logger that discards.
	Log logrus.FieldLogger
	// Clock replaces time.Now (tests move jobs along without sleeping).
	// Timestamps are cut to milliseconds, like every emulator timestamp.
	Clock func() time.Time

	// Switches for behaviour Krea's documents leave open or that older
	// copies of its spec describe differently. The zero value of each is
	// what Krea documents (docs/emulator.md lists them with their flags).

	// CursorField names the cursor field of list answers: "nextCursor"
	// (default, Krea's reference pages) or "next_cursor" (the bundled spec).
	CursorField string
	// TieBreakCursor makes a list cursor carry a hidden sequence number when
	// a page ends inside a run of items sharing one millisecond, so that
	// nothing is skipped. Default: the plain timestamp ("older than T").
	TieBreakCursor bool
	// JobDelete is what DELETE /jobs/{id} does: "cancel" (default, Krea's
	// job-lifecycle page: cancels a queued or processing job, 400 in any
	// other state), "cancel-pending" (cancels in any unfinished state) or
	// "delete" (removes the job and its results, as the bundled spec says).
	JobDelete string
	// RefuseOverLimit answers 429 to a new job past MaxConcurrentJobs
	// instead of backlogging it.
	RefuseOverLimit bool
	// ExtraJobState, when set, is an undocumented status a job shows between
	// its intermediate result and its end (a client must show it and keep
	// polling).
	ExtraJobState string
	// StyleTitle is what PATCH /styles/{id} does with "title": "refuse"
	// (default: Krea's page says the operation "currently supports updating
	// the public visibility"; a body whose only field is title gets 400 "No
	// valid fields to update", and title is dropped otherwise), "accept"
	// (the title changes) or "ignore" (200, the title stays).
	StyleTitle string
	// NoEchoDescription: asset answers (POST /assets, GET, lists) never
	// carry a description (Krea's answer schema has it optional).
	NoEchoDescription bool
	// HostedNames: an uploaded asset's image_url has the shape of Krea's
	// public examples, <files origin>/<uuid>/<unix ms>-<original name>, the
	// original name being the multipart file part's filename as sent,
	// path-escaped (default: <files origin>/a/<id>.<ext>).
	HostedNames bool
	// ErrorShape is the body of every error answer: "error" (default,
	// {"error": s}, the spec's), "message" ({"message": s}), "detail"
	// ({"detail": s}) or "detail-list" ({"detail": [{"loc": [...], "msg":
	// s, "type": ...}]}, a validation error as Krea's own helper code
	// expects).
	ErrorShape string
}

// Server is a running emulator: an API origin and a files origin.
type Server struct {
	opt     Options
	token   string
	log     logrus.FieldLogger
	dataDir string
	tempDir bool // dataDir is ours to remove

	apiLn, filesLn   net.Listener
	apiSrv, filesSrv *http.Server
	generatePaths    map[string]bool

	mu         sync.Mutex
	st         state
	assetsByID map[string]*assetRec
	jobsByID   map[string]*jobRec
	stylesByID map[string]*styleRec
	dirty      bool
	uploads    int

	rngMu sync.Mutex
	rng   *rand.Rand

	statsMu  sync.Mutex
	apiReqs  map[string]int // path -> count
	fileReqs map[string]int

	faultRate, cutRate, jobFailRate atomic.Uint64 // math.Float64bits
	latency, bandwidth              atomic.Int64
	filesLatency                    atomic.Int64 // files_latency.go
	jobDuration                     atomic.Int64
	maxJobs                         atomic.Int64
	stall, faultAfterWrite          atomic.Bool
	stallAfter                      atomic.Int64 // files: bytes sent before stalling; <0 off
	authLeaked                      atomic.Bool
	noCredits                       atomic.Bool  // paid POSTs answer 402 (paid.go)
	paid                            paidLog      // recorded paid POSTs (paid.go)
	fileBytes                       atomic.Int64 // body bytes the files origin has written

	saveCh    chan struct{}
	saverStop chan struct{}
	saverDone chan struct{}
	done      chan struct{} // closed by Close: stalls and throttles give up
	inflight  inflight      // requests and prerenders Close waits for
	closeOnce sync.Once
	closeErr  error
}

// Start runs an emulator on two fresh 127.0.0.1 ports, like httptest.
func Start(o Options) (*Server, error) {
	return Listen(o, "127.0.0.1:0", "127.0.0.1:0")
}

// Listen runs an emulator with its API on apiAddr and its files origin on
// filesAddr (host:port; port 0 picks a free one).
func Listen(o Options, apiAddr, filesAddr string) (*Server, error) {
	s, err := newServer(o)
	if err != nil {
		return nil, err
	}
	if s.apiLn, err = net.Listen("tcp", apiAddr); err != nil {
		s.cleanupDir()
		return nil, fmt.Errorf("emulator: listen %s: %w", apiAddr, err)
	}
	if s.filesLn, err = net.Listen("tcp", filesAddr); err != nil {
		s.apiLn.Close()
		s.cleanupDir()
		return nil, fmt.Errorf("emulator: listen %s: %w", filesAddr, err)
	}
	if err := s.open(); err != nil {
		s.apiLn.Close()
		s.filesLn.Close()
		s.cleanupDir()
		return nil, err
	}
	s.apiSrv = &http.Server{Handler: s.apiHandler(), ReadHeaderTimeout: 30 * time.Second, ErrorLog: nil}
	s.filesSrv = &http.Server{Handler: s.filesHandler(), ReadHeaderTimeout: 30 * time.Second}
	go s.apiSrv.Serve(s.apiLn)
	go s.filesSrv.Serve(s.filesLn)
	s.log.WithFields(logrus.Fields{"op": "listen", "api": s.URL(), "files": s.FilesURL(), "data": s.dataDir}).Info("emulator: listening")
	return s, nil
}

func newServer(o Options) (*Server, error) {
	if err := o.CheckSwitches(); err != nil {
		return nil, err
	}
	s := &Server{
		opt:      o,
		token:    o.Token,
		log:      o.Log,
		apiReqs:  map[string]int{},
		fileReqs: map[string]int{},
		saveCh:   make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	if s.token == "" {
		s.token = DefaultToken
	}
	if s.log == nil {
		l := logrus.New()
		l.Out = discard{}
		s.log = l
	}
	seed := o.RandSeed
	if seed == 0 {
		seed = 0x6b726561 // "krea"
	}
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	d := o.JobDuration
	if d == 0 {
		d = 3 * time.Second
	}
	if d < 0 {
		d = 0
	}
	s.jobDuration.Store(int64(d))
	s.SetFaultRate(o.FaultRate)
	s.SetCutRate(o.CutRate)
	s.SetJobFailRate(o.JobFailRate)
	s.SetLatency(o.Latency)
	s.SetBandwidth(o.Bandwidth)
	s.SetMaxConcurrentJobs(o.MaxConcurrentJobs)
	s.faultAfterWrite.Store(o.FaultAfterWrite)
	s.noCredits.Store(o.NoCredits)
	s.stallAfter.Store(-1)
	paths, err := generatePaths()
	if err != nil {
		return nil, err
	}
	s.generatePaths = paths
	if o.DataDir == "" {
		dir, err := os.MkdirTemp("", "kreafs-emulator-")
		if err != nil {
			return nil, fmt.Errorf("emulator: %w", err)
		}
		s.dataDir, s.tempDir = dir, true
	} else {
		s.dataDir = o.DataDir
	}
	return s, nil
}

// open prepares the data directory and loads or seeds the state.
func (s *Server) open() error {
	for _, d := range []string{s.dataDir, filepath.Join(s.dataDir, "files"), filepath.Join(s.dataDir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("emulator: %w", err)
		}
	}
	ok, err := s.loadState()
	if err != nil {
		return err
	}
	s.mu.Lock()
	if !ok {
		s.st = state{Version: stateVersion, Files: map[string]*blob{}}
	}
	s.reindexLocked()
	s.mu.Unlock()
	if ok {
		if s.opt.SeedAssets+s.opt.SeedJobs+s.opt.SeedStyles > 0 {
			s.log.WithFields(logrus.Fields{"op": "seed", "path": s.dataDir}).Info("emulator: data dir has state; not seeding")
		}
	} else {
		if err := s.seed(); err != nil {
			return err
		}
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		if err := s.flush(); err != nil {
			return fmt.Errorf("emulator: save state: %w", err)
		}
	}
	s.saverStop = make(chan struct{})
	s.saverDone = make(chan struct{})
	go s.saver(s.saverStop, s.saverDone)
	return nil
}

func (s *Server) cleanupDir() {
	if s.tempDir {
		_ = os.RemoveAll(s.dataDir)
	}
}

// URL is the API base URL, e.g. http://127.0.0.1:8787.
func (s *Server) URL() string { return "http://" + s.apiLn.Addr().String() }

// FilesURL is the base URL of the files origin, e.g.
// http://127.0.0.1:8788/files; every file URL starts with it.
func (s *Server) FilesURL() string { return "http://" + s.filesLn.Addr().String() + "/files" }

// Token is the bearer token the API wants.
func (s *Server) Token() string { return s.token }

// DataDir is where state and files live.
func (s *Server) DataDir() string { return s.dataDir }

// AuthLeaked reports whether any request to the files origin carried an
// Authorization header.
func (s *Server) AuthLeaked() bool { return s.authLeaked.Load() }

// FileBytes is how many body bytes the files origin has handed to its
// connections so far (what a client's downloads cost the server).
func (s *Server) FileBytes() int64 { return s.fileBytes.Load() }

// Close stops both origins (in-flight stalls and throttled downloads give
// up), saves the state and, for a temporary data directory, removes it.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		err := errors.Join(s.apiSrv.Close(), s.filesSrv.Close())
		s.inflight.wait(5 * time.Second)
		close(s.saverStop)
		<-s.saverDone
		if ferr := s.flush(); ferr != nil {
			err = errors.Join(err, ferr)
		}
		s.cleanupDir()
		s.closeErr = err
	})
	return s.closeErr
}

// inflight counts the work Close waits for. http.Server.Close does not
// wait for handlers, and a connection's goroutine may start one after it:
// a WaitGroup.Add at zero while Close waits is a misuse (the race detector
// reports it), so work begun once Close has started is not counted.
type inflight struct {
	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
}

// begin counts one piece of work; the returned func ends it.
func (f *inflight) begin() (end func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return func() {}
	}
	f.wg.Add(1)
	return f.wg.Done
}

// wait counts no more work and waits up to d for what was counted.
func (f *inflight) wait(d time.Duration) {
	f.mu.Lock()
	f.closing = true
	f.mu.Unlock()
	ch := make(chan struct{})
	go func() { f.wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
	}
}

func (s *Server) now() time.Time {
	if s.opt.Clock != nil {
		return s.opt.Clock().UTC()
	}
	return time.Now().UTC()
}

// dice returns a uniform number in [0,1).
func (s *Server) dice() float64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Float64()
}

func (s *Server) randUint64() uint64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Uint64()
}

// newID returns a random (version 4) UUID. It uses crypto/rand, not the
// dice: ids must stay unique across restarts with the same data directory.
func (s *Server) newID() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return formatUUID(binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]))
}

func formatUUID(a, b uint64) string {
	a = a&^0xf000 | 0x4000           // version 4
	b = b&^(0xc000<<48) | 0x8000<<48 // variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

func loadFloat(a *atomic.Uint64) float64 { return math.Float64frombits(a.Load()) }

// waitStall blocks while the stall knob is on; false means the request was
// abandoned (client gone or server closing).
func (s *Server) waitStall(r *http.Request) bool {
	for s.stall.Load() {
		select {
		case <-r.Context().Done():
			return false
		case <-s.done:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true
}

// sleepCtx sleeps d unless the request or the server ends first.
func (s *Server) sleepCtx(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

func (s *Server) countReq(m map[string]int, p string) {
	s.statsMu.Lock()
	m[p]++
	s.statsMu.Unlock()
}

// Requests counts requests to either origin whose path starts with
// pathPrefix, including rejected and faulted ones: "" counts everything (a
// "no network" assertion), "/assets" the API's asset calls, "/files" (the
// path of FilesURL) the downloads.
func (s *Server) Requests(pathPrefix string) int {
	return s.countPrefix(s.apiReqs, pathPrefix) + s.countPrefix(s.fileReqs, pathPrefix)
}

func (s *Server) countPrefix(m map[string]int, prefix string) int {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	n := 0
	for p, c := range m {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}
