package emulator

import (
	"math"
	"time"
)

// Knob setters; all take effect on the next request.

// SetFaultRate sets the share of API answers replaced by 500/503/429.
func (s *Server) SetFaultRate(f float64) { s.faultRate.Store(math.Float64bits(f)) }

// SetCutRate sets the share of downloads cut mid-body.
func (s *Server) SetCutRate(f float64) { s.cutRate.Store(math.Float64bits(f)) }

// SetJobFailRate sets the share of new jobs that fail.
func (s *Server) SetJobFailRate(f float64) { s.jobFailRate.Store(math.Float64bits(f)) }

// SetLatency sets the delay added to every API request.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// SetBandwidth caps each download to b bytes/s (0 = none).
func (s *Server) SetBandwidth(b int64) { s.bandwidth.Store(b) }

// SetJobDuration sets how long jobs created from now on take (<= 0: instant).
func (s *Server) SetJobDuration(d time.Duration) { s.jobDuration.Store(int64(max(d, 0))) }

// SetMaxConcurrentJobs sets the unfinished-job limit past which new jobs are
// backlogged (or refused with 429, Options.RefuseOverLimit); 0 = unlimited.
func (s *Server) SetMaxConcurrentJobs(n int) { s.maxJobs.Store(int64(n)) }

// SetFaultAfterWrite: see Options.FaultAfterWrite.
func (s *Server) SetFaultAfterWrite(b bool) { s.faultAfterWrite.Store(b) }

// SetStall makes both origins accept requests and then send nothing until
// the client gives up, the stall is lifted, or the server closes.
func (s *Server) SetStall(b bool) { s.stall.Store(b) }

// SetStallAfter makes file downloads send n body bytes and then hang (n < 0
// turns it off): the "server stopped sending mid-body" case.
func (s *Server) SetStallAfter(n int64) { s.stallAfter.Store(n) }
