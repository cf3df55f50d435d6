package queue

import "time"

// Clock is the queue's source of time. Tests inject a fake one so that
// delays and backoff need no sleeping; the default is the real clock.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine (or, for fakes, from the
	// goroutine that advances time) once d has elapsed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not happened yet. The queue never
	// relies on its result: a callback that fires late is ignored.
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
