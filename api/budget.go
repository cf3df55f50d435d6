package api

// One request budget for all API requests of a client.
//
// Krea limits requests per account, not per caller: when one request is
// told to slow down (429), every other request of the client would be told
// the same. So a 429 (and a 5xx carrying Retry-After) sets a "not before"
// time shared by all requests to the API origin, listings, job polls,
// lookups and uploads alike; each attempt waits for it. The time is the
// answer's Retry-After (seconds or an HTTP date, capped by
// Config.MaxRetryAfter), else the backoff delay of the attempt. Downloads
// from file hosts (Fetch) do not take part: they are not the API.
//
// Locking: budget.mu guards notBefore.

import (
	"context"
	"net/http"
	"sync"
	"time"
)

type budget struct {
	mu        sync.Mutex
	notBefore time.Time
}

// hold makes every request wait until t (a later hold wins).
func (b *budget) hold(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.After(b.notBefore) {
		b.notBefore = t
	}
}

// until returns the time requests wait for.
func (b *budget) until() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.notBefore
}

// waitBudget waits until the shared "not before" time has passed (or ctx
// ends). A hold set while waiting is waited for too.
func (c *Client) waitBudget(ctx context.Context, op string) error {
	for {
		nb := c.budget.until()
		d := nb.Sub(c.now())
		if d <= 0 {
			return ctx.Err()
		}
		c.log.WithField("op", op).WithField("wait", d.Round(time.Millisecond)).Debug("krea api: waiting: the API asked us to slow down")
		if err := c.sleep(ctx, d); err != nil {
			return err
		}
		if c.budget.until().Equal(nb) {
			return nil
		}
	}
}

// noteAnswer sets the shared hold after an answer of status with the
// given Retry-After delay (-1: none) to attempt number n of op.
func (c *Client) noteAnswer(op string, status int, retryAfter time.Duration, n int) {
	var d time.Duration
	switch {
	case status == http.StatusTooManyRequests && retryAfter >= 0:
		d = retryAfter
	case status == http.StatusTooManyRequests:
		d = c.backoff.ceiling(n)
	case status >= 500 && retryAfter > 0:
		d = retryAfter
	default:
		return
	}
	d = min(d, c.maxRetryAfter)
	if d <= 0 {
		return
	}
	c.budget.hold(c.now().Add(d))
	c.log.WithField("op", op).WithField("status", status).WithField("hold", d).
		Debug("krea api: every request to the API waits")
}
