package emulator

import "time"

// SetFilesLatency delays every answer of the files origin by d before its
// first byte (0 = none), as a round trip to a distant file host would.
// Latency (SetLatency) is the API origin's and does not apply to files:
// tests that slow the API down still read files at once. A benchmark that
// imitates a network path gives both origins its round-trip time.
func (s *Server) SetFilesLatency(d time.Duration) { s.filesLatency.Store(int64(max(d, 0))) }
