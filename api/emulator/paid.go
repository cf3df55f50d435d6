package emulator

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// The POSTs that spend credits (every /generate/... path and /styles/train)
// are recorded, bodies included, so that tests can check exactly what a
// client sent and how often; and the NoCredits knob answers them 402.

// PaidRequest is one POST to a generation or training path that reached
// its handler (after auth and injected faults).
type PaidRequest struct {
	Path   string // e.g. "/generate/image/bfl/flux-1-dev"
	Body   []byte // as received (up to maxJSONBody bytes)
	Status int    // the answer's status
}

// noCreditsMessage is the 402 answer's text (Krea's texts vary; the spec
// describes 402 as "You have run out of credits.").
const noCreditsMessage = "You have run out of credits."

type paidLog struct {
	mu   sync.Mutex
	reqs []PaidRequest
}

// PaidRequests returns every recorded generation and training POST, oldest
// first (copies).
func (s *Server) PaidRequests() []PaidRequest {
	s.paid.mu.Lock()
	defer s.paid.mu.Unlock()
	out := make([]PaidRequest, len(s.paid.reqs))
	for i, r := range s.paid.reqs {
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

// SetNoCredits makes generation and training POSTs answer 402 (nothing
// starts), as Krea does when the account has no credits left; see
// Options.NoCredits.
func (s *Server) SetNoCredits(b bool) { s.noCredits.Store(b) }

// paidHandler records the request, answers 402 when NoCredits is on, and
// otherwise serves it with h.
func (s *Server) paidHandler(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
		if err != nil {
			s.writeError(w, http.StatusBadRequest, "cannot read body: "+err.Error())
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			s.paid.mu.Lock()
			s.paid.reqs = append(s.paid.reqs, PaidRequest{Path: r.URL.Path, Body: body, Status: status})
			s.paid.mu.Unlock()
		}()
		if s.noCredits.Load() {
			s.writeError(sw, http.StatusPaymentRequired, noCreditsMessage)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(sw, r)
	}
}
