package api

import (
	"errors"
	"net/http"
)

// What a failed POST that spends credits (Generate, TrainStyle) means for
// the caller, who must never send it twice:
//
//   - Refused(err): Krea answered and refused it (400, 402 no credits, 403,
//     404, 409, 413, 415, 422, 429): nothing started; the request may be
//     changed and sent again by the user.
//   - AnswerLost(err): the request may have reached Krea and its answer was
//     lost (a timeout or reset after the request was written, a 5xx, an
//     unreadable 2xx answer, a cancellation once connected). Whether a job
//     exists is unknown; the client never retries such a request and
//     neither should the caller.
//   - otherwise the request provably never reached Krea (a dial failure, an
//     invalid path, a cancellation before connecting).

// ErrAnswerLost is matched (errors.Is) by the error of a non-idempotent
// request that may have reached the server but whose answer was lost.
var ErrAnswerLost = errors.New("the request may have reached Krea but its answer was lost")

// lostError wraps the failure of a non-idempotent request that may have
// been received. It unwraps to the failure, so errors.Is(err, ErrServer)
// and friends still work.
type lostError struct{ err error }

func (e *lostError) Error() string {
	return e.err.Error() + " (Krea may have received the request; not retried)"
}
func (e *lostError) Unwrap() error        { return e.err }
func (e *lostError) Is(target error) bool { return target == ErrAnswerLost }

// AnswerLost reports whether err says a non-idempotent request may have
// reached Krea without its answer reaching us.
func AnswerLost(err error) bool { return errors.Is(err, ErrAnswerLost) }

// Refused reports whether err is the API's definite refusal of a request
// (a 4xx answer other than 401): the request started nothing.
func Refused(err error) bool {
	var e *Error
	if !errors.As(err, &e) || AnswerLost(err) {
		return false
	}
	return e.Status >= 400 && e.Status <= 499 && e.Status != http.StatusUnauthorized
}

// answerMayBeLost decides, for a failed attempt of a non-idempotent
// request, whether the server may have acted on it: it was connected and
// written (not a dial failure) and no 4xx answer came back.
func answerMayBeLost(reached bool, err error) bool {
	if !reached || isDialError(err) {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status >= 500
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		// Client-side refusals before sending; but an over-large 2xx
		// answer (reached) means the server acted.
		return true
	}
	return !errors.Is(err, errRedirect) && !errors.Is(err, errNotReplayable) && !isCertError(err)
}

// lostIfCreated marks the undecodable 2xx answer of a POST that creates a
// job: the job exists but we cannot tell which.
func lostIfCreated(err error) error {
	if err == nil {
		return nil
	}
	return &lostError{err}
}
