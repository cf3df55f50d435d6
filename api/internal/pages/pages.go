package pages

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// RawPage is a list answer before its items are decoded.
type RawPage struct {
	Items           []json.RawMessage `json:"items"`
	NextCursor      json.RawMessage   `json:"next_cursor"`
	NextCursorCamel json.RawMessage   `json:"nextCursor"`
}

// Cursor returns next_cursor (or nextCursor); "" when null or absent. A
// number is accepted and used as its decimal text.
func (p *RawPage) Cursor() string {
	for _, raw := range []json.RawMessage{p.NextCursor, p.NextCursorCamel} {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s = strings.TrimSpace(s); s != "" {
				return s
			}
			continue
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String()
		}
	}
	return ""
}

// DecodePage decodes a list answer, each item with decodeItem. Items that
// cannot be decoded even leniently are skipped with a warning (one broken
// item must not hide the others); the page fails only when its envelope is
// not a JSON object (the error of encoding/json).
func DecodePage[T any](log logrus.FieldLogger, op string, data []byte, decodeItem func(json.RawMessage) (T, error)) ([]T, string, error) {
	var p RawPage
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, "", err
	}
	items := make([]T, 0, len(p.Items))
	for i, raw := range p.Items {
		v, err := decodeItem(raw)
		if err != nil {
			log.WithFields(logrus.Fields{"op": op, "index": i, "id": itemID(raw), "error": err.Error()}).
				Warn("krea api: skipping an item that cannot be decoded")
			continue
		}
		items = append(items, v)
	}
	return items, p.Cursor(), nil
}

// itemID returns the id (or job_id) of a raw item, for log lines.
func itemID(raw json.RawMessage) string {
	var v struct {
		ID    any `json:"id"`
		JobID any `json:"job_id"`
	}
	_ = json.Unmarshal(raw, &v)
	id := v.ID
	if id == nil {
		id = v.JobID
	}
	if id == nil {
		return ""
	}
	s := fmt.Sprint(id)
	if len(s) > 80 {
		s = s[:80]
	}
	return strconv.QuoteToASCII(s)
}

// DecodeLenient unmarshals raw into out; when that fails it repairs the
// fields the API has been seen or feared to get wrong (timestamps in other
// layouts or as numbers, numbers as strings) and tries once more.
func DecodeLenient(raw json.RawMessage, out any, timeFields, numberFields []string) error {
	err := json.Unmarshal(raw, out)
	if err == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return err
	}
	for _, f := range timeFields {
		if v, ok := m[f]; ok {
			m[f] = FixTime(v)
		}
	}
	for _, f := range numberFields {
		if v, ok := m[f]; ok {
			m[f] = fixNumber(v)
		}
	}
	fixed, merr := json.Marshal(m)
	if merr != nil {
		return err
	}
	if err2 := json.Unmarshal(fixed, out); err2 != nil {
		return err2
	}
	return nil
}

// timeLayouts are tried, in order, for timestamps that are not RFC 3339.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	time.RFC1123,
	time.RFC1123Z,
}

// FixTime returns v as an RFC 3339 JSON string, or null when it is no
// recognisable time. Numbers are Unix seconds, or milliseconds when large.
func FixTime(v json.RawMessage) json.RawMessage {
	var s string
	if json.Unmarshal(v, &s) == nil {
		s = strings.TrimSpace(s)
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return quoteTime(t)
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return unixTime(f)
		}
		return json.RawMessage("null")
	}
	var f float64
	if json.Unmarshal(v, &f) == nil {
		return unixTime(f)
	}
	return json.RawMessage("null")
}

func unixTime(f float64) json.RawMessage {
	if f > 1e12 { // milliseconds
		f /= 1000
	}
	if f < 0 || f > 1e11 {
		return json.RawMessage("null")
	}
	sec := int64(f)
	return quoteTime(time.Unix(sec, int64((f-float64(sec))*1e9)).UTC())
}

func quoteTime(t time.Time) json.RawMessage {
	b, _ := json.Marshal(t.Format(time.RFC3339Nano))
	return b
}

// fixNumber returns v as a JSON number, or null when it is none (a numeric
// string becomes its number).
func fixNumber(v json.RawMessage) json.RawMessage {
	var f float64
	if json.Unmarshal(v, &f) == nil {
		return v
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			b, _ := json.Marshal(f)
			return b
		}
	}
	return json.RawMessage("null")
}

// Config is what Collect and CollectAhead need to know of one listing.
type Config struct {
	Op    string
	Limit int // page size; MaxPageLimit when 0
	Log   logrus.FieldLogger
	// BadRequest says the API refused a request as malformed (400, 422):
	// a derived cursor it refuses makes the listing follow its own. Nil:
	// never.
	BadRequest func(err error) bool
	// Again decides whether a page (not the first) whose fetch failed with
	// err is fetched once more from its own cursor; round counts these
	// extra fetches from 1. It waits before answering true. Nil: never.
	Again func(ctx context.Context, round int, err error) bool
}

// fetchAgain returns r, err, or, when err is a failure of a page after the
// first that l.Again accepts, the result of fetching it again with f.
func fetchAgain[R any](ctx context.Context, l *Config, index int, r R, err error, f func() (R, error)) (R, error) {
	for round := 1; err != nil && index > 0 && l.Again != nil && l.Again(ctx, round, err); round++ {
		r, err = f()
	}
	return r, err
}

// Collect follows the cursor from the first page to the last (see pager
// for how timestamp cursors are followed without skipping items that
// share one). It ends at a page with no items or no cursor, drops items
// whose key was already seen on an earlier page, and stops with an error
// when the server leads it to a request it already made.
func Collect[T any](ctx context.Context, l *Config, page func(r Req) ([]T, string, error), key func(*T) string) ([]T, error) {
	var all []T
	seenKey := map[string]bool{}
	pg := newPager(l.Op, l.Limit)
	req := pg.first()
	_ = pg.ask(req)
	for index := 0; ; index++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		type answer struct {
			items []T
			next  string
		}
		var a answer
		var err error
		a.items, a.next, err = page(req)
		a, err = fetchAgain(ctx, l, index, a, err, func() (answer, error) {
			items, next, err := page(req)
			return answer{items, next}, err
		})
		if err != nil {
			if r, ok := pg.refused(l.Log, l.BadRequest, req, err); ok {
				req = r
				continue
			}
			return nil, err
		}
		for i := range a.items {
			k := key(&a.items[i])
			if k != "" && seenKey[k] {
				continue
			}
			seenKey[k] = true
			all = append(all, a.items[i])
		}
		next, done, err := pg.next(req, len(a.items), a.next)
		if err != nil {
			return nil, err
		}
		if done {
			if l.Log != nil {
				pg.report(l.Log)
			}
			return all, nil
		}
		req = next
	}
}
