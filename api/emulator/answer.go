package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// writeError answers an error in the body shape Options.ErrorShape says.
func (s *Server) writeError(w http.ResponseWriter, status int, msg string) {
	var body any
	switch s.opt.ErrorShape {
	case ErrorShapeMessage:
		body = map[string]string{"message": msg}
	case ErrorShapeDetail:
		body = map[string]string{"detail": msg}
	case ErrorShapeDetailList:
		body = map[string]any{"detail": []map[string]any{{"loc": []string{"body"}, "msg": msg, "type": "value_error"}}}
	default:
		body = map[string]string{"error": msg}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"emulator: cannot encode answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// statusWriter remembers the status for the request log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discardWriter swallows an answer (FaultAfterWrite).
type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
