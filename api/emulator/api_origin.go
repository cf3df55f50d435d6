package emulator

import (
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// apiHandler routes the API and wraps it in latency, stall, auth and faults.
func (s *Server) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /assets", s.handleUpload)
	mux.HandleFunc("GET /assets", s.handleListAssets)
	mux.HandleFunc("GET /assets/{id}", s.handleGetAsset)
	mux.HandleFunc("DELETE /assets/{id}", s.handleDeleteAsset)
	mux.HandleFunc("GET /jobs", s.handleListJobs)
	mux.HandleFunc("GET /jobs/{id}", s.handleGetJob)
	mux.HandleFunc("DELETE /jobs/{id}", s.handleDeleteJob)
	mux.HandleFunc("GET /styles", s.handleListStyles)
	mux.HandleFunc("POST /styles/train", s.paidHandler(s.handleTrain))
	mux.HandleFunc("GET /styles/{id}", s.handleGetStyle)
	mux.HandleFunc("PATCH /styles/{id}", s.handlePatchStyle)
	for p := range s.generatePaths {
		mux.HandleFunc("POST "+p, s.paidHandler(s.handleGenerate))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.inflight.begin()()
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		s.serveAPI(mux, sw, r)
		s.log.WithFields(logrus.Fields{
			"op": "api", "method": r.Method, "path": r.URL.Path, "status": sw.status,
			"ms": time.Since(start).Milliseconds(),
		}).Debug("emulator: request")
	})
}

func (s *Server) serveAPI(mux *http.ServeMux, w *statusWriter, r *http.Request) {
	s.countReq(s.apiReqs, r.URL.Path)
	if !s.sleepCtx(r, time.Duration(s.latency.Load())) || !s.waitStall(r) {
		panic(http.ErrAbortHandler) // the client gave up or we are closing: send nothing at all
	}
	if !s.authorized(r) {
		drainBody(r)
		s.writeError(w, http.StatusUnauthorized, "unauthorized: missing or invalid bearer token")
		return
	}
	// mux.Handler only tells whether a route exists; mux.ServeHTTP serves,
	// since it alone sets the path values ({id}).
	if _, pattern := mux.Handler(r); pattern == "" {
		drainBody(r)
		s.writeError(w, http.StatusNotFound, "not found: "+r.Method+" "+r.URL.Path)
		return
	}
	if rate := loadFloat(&s.faultRate); rate > 0 && s.dice() < rate {
		status := []int{500, 503, 429}[s.randUint64()%3]
		if s.faultAfterWrite.Load() && r.Method != http.MethodGet && r.Method != http.MethodHead {
			mux.ServeHTTP(discardWriter{header: http.Header{}}, r)
		}
		drainBody(r)
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		s.writeError(w, status, fmt.Sprintf("injected fault (%d)", status))
		return
	}
	mux.ServeHTTP(w, r)
}

// drainBody reads (and drops) what is left of a request body, bounded, before
// an early answer: a client still sending a large upload then reads the
// answer instead of meeting a reset connection.
func drainBody(r *http.Request) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, drainCap))
	}
}

// authorized checks the bearer token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const p = "Bearer "
	if len(h) < len(p) || !strings.EqualFold(h[:len(p)], p) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(h[len(p):])), []byte(s.token)) == 1
}
