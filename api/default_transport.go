package api

import "net/http"

// DefaultTransport returns a new transport as the client uses when
// Config.HTTPClient gives none (bounded connect, TLS and header waits), for
// callers that wrap it (metrics) and pass it back in Config.HTTPClient.
func DefaultTransport() *http.Transport { return newTransport() }
