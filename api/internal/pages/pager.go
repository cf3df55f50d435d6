package pages

// Paging through a list whose cursor is a plain timestamp.
//
// Krea's cursor means "items created before T", where T is the timestamp
// of the last item of the page, with no tie-breaker. Items that share T
// but did not fit on the page would be skipped by a client that passes
// the cursor back as it is. The pager therefore asks for "before T plus
// one unit of T's precision" (at least a millisecond), so the items at T
// come again, and Collect drops the ids it already has. When a page asked
// that way holds nothing older than T (every item on it shares T), the
// pager asks once more with the largest page the API allows; when even
// that is all T, it moves on with the server's own cursor and the listing
// logs, once, which timestamps may have lost items. A cursor that is not
// a timestamp is passed back verbatim (an opaque server token), and so is
// every cursor of a listing once the server refused a derived one as a bad
// request (pager.refused).

import (
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// MaxPageLimit is the largest page the API serves.
const MaxPageLimit = 1000

// Req is one page request of a listing.
type Req struct {
	Cursor string // "" for the first page
	Limit  int
	tieOf  string // the server cursor whose ties this request re-lists; "" otherwise
}

func (r Req) key() string { return fmt.Sprintf("%d\x00%s", r.Limit, r.Cursor) }

// pager chooses each page request of one listing from the answer to the
// previous one, and guards against a server that loops.
type pager struct {
	op        string
	limit     int             // the listing's page size
	asked     map[string]bool // Req.key of every request made
	lostTies  []string        // server cursors whose ties did not fit on the largest page
	lostCount int             // items seen at those timestamps
	verbatim  bool            // the server refused a derived cursor: pass its own back
}

func newPager(op string, limit int) *pager {
	if limit <= 0 || limit > MaxPageLimit {
		limit = MaxPageLimit
	}
	return &pager{op: op, limit: limit, asked: map[string]bool{}}
}

// first is the request for the first page.
func (p *pager) first() Req { return Req{Limit: p.limit} }

// plan returns the request that follows prev, whose answer held n items
// and named next as its cursor; done when the listing is complete. plan
// has no effect on p (CollectAhead calls it on a guessed cursor).
func (p *pager) plan(prev Req, n int, next string) (req Req, done bool) {
	if next == "" || n == 0 {
		return Req{}, true
	}
	t, unit, ok := timestampCursor(next)
	if !ok || p.verbatim {
		return Req{Cursor: next, Limit: p.limit}, false
	}
	if prev.tieOf == next {
		// Asked for the items at T and older, and the page ended at T:
		// every item on it shares T.
		if prev.Limit < MaxPageLimit {
			return Req{Cursor: prev.Cursor, Limit: MaxPageLimit, tieOf: next}, false
		}
		return Req{Cursor: next, Limit: p.limit}, false
	}
	return Req{Cursor: formatCursorTime(t.Add(unit)), Limit: p.limit, tieOf: next}, false
}

// next is plan plus bookkeeping: it records ties that could not be listed
// and fails when the request was already made (the server loops).
func (p *pager) next(prev Req, n int, next string) (Req, bool, error) {
	req, done := p.plan(prev, n, next)
	if done {
		return req, true, nil
	}
	if prev.tieOf != "" && prev.tieOf == next && prev.Limit >= MaxPageLimit {
		p.lostTies = append(p.lostTies, next)
		p.lostCount += n
	}
	if err := p.ask(req); err != nil {
		return req, false, err
	}
	return req, false, nil
}

// refused handles the failure err of req: when req carried a cursor
// derived from the server's (T + 1ms) and the server refused it as a bad
// request, the listing goes on with the server's own cursors, verbatim,
// from now on (with one warning: ties at page ends may then be lost).
func (p *pager) refused(log logrus.FieldLogger, badRequest func(error) bool, req Req, err error) (Req, bool) {
	if req.tieOf == "" || p.verbatim || badRequest == nil || !badRequest(err) {
		return req, false
	}
	p.verbatim = true
	next := Req{Cursor: req.tieOf, Limit: p.limit}
	if p.ask(next) != nil {
		return req, false
	}
	if log != nil {
		log.WithFields(logrus.Fields{"op": p.op, "cursor": req.Cursor, "error": err.Error()}).
			Warn("krea api: the API refused a cursor one millisecond past its own; following its cursors as given, so items that share a timestamp at a page end may be missing from this listing")
	}
	return next, true
}

// ask records req as made; a request made before means the server led the
// listing in a circle.
func (p *pager) ask(req Req) error {
	k := req.key()
	if p.asked[k] {
		return fmt.Errorf("api: %s: server repeated cursor %q; listing stopped", p.op, req.Cursor)
	}
	p.asked[k] = true
	return nil
}

// report logs, once per listing, the timestamps shared by more items than
// the largest page holds: items at them beyond that page may be missing.
func (p *pager) report(log logrus.FieldLogger) {
	if len(p.lostTies) == 0 {
		return
	}
	ts := p.lostTies
	if len(ts) > 10 {
		ts = ts[:10]
	}
	log.WithFields(logrus.Fields{
		"op": p.op, "timestamps": strings.Join(ts, " "), "count": len(p.lostTies), "listed_at_them": p.lostCount,
	}).Warn("krea api: more items share one timestamp than one page can hold; items at these timestamps beyond the ones listed may be missing from this listing")
}

// timestampCursor reads a cursor that is an RFC 3339 timestamp with at most
// nine fractional digits and returns it with one unit of its precision
// (never more than a millisecond, so a server that shows fewer digits than
// it stores still gets every item at T again). More digits, or anything
// else, make the cursor opaque.
func timestampCursor(s string) (t time.Time, unit time.Duration, ok bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, 0, false
	}
	digits := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		for j := i + 1; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
			digits++
		}
	}
	switch {
	case digits > 9:
		return time.Time{}, 0, false
	case digits > 6:
		unit = time.Nanosecond
	case digits > 3:
		unit = time.Microsecond
	default:
		unit = time.Millisecond
	}
	return t.Truncate(unit), unit, true
}

// formatCursorTime writes t in UTC with at least millisecond digits, as
// the API writes its own cursors ("2026-02-13T02:20:58.265Z").
func formatCursorTime(t time.Time) string {
	t = t.UTC()
	switch {
	case t.Nanosecond()%int(time.Millisecond) == 0:
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	case t.Nanosecond()%int(time.Microsecond) == 0:
		return t.Format("2006-01-02T15:04:05.000000Z07:00")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z07:00")
}
