package api

import (
	"context"
	"errors"
	"fmt"
)

// Sentinels for errors.Is. An *Error matches the sentinel of its status
// class; callers never look at status codes or message text.
var (
	ErrBadRequest          = errors.New("bad request")            // 400
	ErrUnauthorized        = errors.New("unauthorized")           // 401
	ErrPaymentRequired     = errors.New("insufficient credits")   // 402
	ErrForbidden           = errors.New("forbidden")              // 403
	ErrNotFound            = errors.New("not found")              // 404
	ErrConflict            = errors.New("conflict")               // 409
	ErrGone                = errors.New("gone")                   // 410
	ErrTooLarge            = errors.New("payload too large")      // 413
	ErrRateLimited         = errors.New("rate limited")           // 429
	ErrServer              = errors.New("server error")           // 5xx
	ErrUnsupportedMedia    = errors.New("unsupported media type") // 415
	ErrRangeNotSatisfiable = errors.New("range not satisfiable")  // 416
	ErrValidation          = errors.New("invalid request")        // 422
)

// Error is a non-2xx answer of the API or of a file host.
type Error struct {
	Status  int    // HTTP status code
	Message string // the API's "error", "message" or "detail" field, or the status text
	Op      string // e.g. "GET /assets/{id}"; never holds the token
}

func (e *Error) Error() string {
	if e.Op == "" {
		return fmt.Sprintf("krea api: %d %s", e.Status, e.Message)
	}
	return fmt.Sprintf("krea api: %s: %d %s", e.Op, e.Status, e.Message)
}

// Is lets errors.Is(err, ErrNotFound) and friends work.
func (e *Error) Is(target error) bool {
	return sentinelFor(e.Status) == target && target != nil
}

func sentinelFor(status int) error {
	switch {
	case status == 400:
		return ErrBadRequest
	case status == 401:
		return ErrUnauthorized
	case status == 402:
		return ErrPaymentRequired
	case status == 403:
		return ErrForbidden
	case status == 404:
		return ErrNotFound
	case status == 409:
		return ErrConflict
	case status == 410:
		return ErrGone
	case status == 413:
		return ErrTooLarge
	case status == 415:
		return ErrUnsupportedMedia
	case status == 416:
		return ErrRangeNotSatisfiable
	case status == 422:
		return ErrValidation
	case status == 429:
		return ErrRateLimited
	case status >= 500 && status <= 599:
		return ErrServer
	}
	return nil
}

// Temporary reports whether err is worth retrying later: rate limits, server
// errors, and transport failures (anything that is not an *Error, not a
// cancellation and not marked Permanent, like a refused URL or an invalid
// id, is a transport failure).
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return errors.Is(e, ErrRateLimited) || errors.Is(e, ErrServer)
	}
	// Client-side refusals (bad URL, invalid id, undecodable answer) say so.
	var p interface{ Permanent() bool }
	if errors.As(err, &p) && p.Permanent() {
		return false
	}
	return !isContextErr(err)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
