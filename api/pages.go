package api

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

// allPageLimit is the page size the All* methods ask for (the API's maximum).
const allPageLimit = 1000

// rawPage is a list answer before its items are decoded.
type rawPage struct {
	Items           []json.RawMessage `json:"items"`
	NextCursor      json.RawMessage   `json:"next_cursor"`
	NextCursorCamel json.RawMessage   `json:"nextCursor"`
}

// cursor returns next_cursor (or nextCursor); "" when null or absent. A
// number is accepted and used as its decimal text.
func (p *rawPage) cursor() string {
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

// decodePage decodes a list answer, each item with decodeItem. Items that
// cannot be decoded even leniently are skipped with a warning (one broken
// item must not hide the others); the page fails only when its envelope is
// not a JSON object.
func decodePage[T any](log logrus.FieldLogger, op string, data []byte, decodeItem func(json.RawMessage) (T, error)) ([]T, string, error) {
	var p rawPage
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, "", decodeErr(op, err)
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
	return items, p.cursor(), nil
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

// decodeLenient unmarshals raw into out; when that fails it repairs the
// fields the API has been seen or feared to get wrong (timestamps in other
// layouts or as numbers, numbers as strings) and tries once more.
func decodeLenient(raw json.RawMessage, out any, timeFields, numberFields []string) error {
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
			m[f] = fixTime(v)
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

// fixTime returns v as an RFC 3339 JSON string, or null when it is no
// recognisable time. Numbers are Unix seconds, or milliseconds when large.
func fixTime(v json.RawMessage) json.RawMessage {
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

// collect follows a cursor from the first page to the last. It stops with
// an error when the server hands out a cursor it already gave (instead of
// looping forever), ends at a page with no items, and drops items whose key
// was already seen on an earlier page.
func collect[T any](ctx context.Context, op string, page func(cursor string) ([]T, string, error), key func(*T) string) ([]T, error) {
	var all []T
	seenCursor := map[string]bool{"": true}
	seenKey := map[string]bool{}
	cursor := ""
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		items, next, err := page(cursor)
		if err != nil {
			return nil, err
		}
		for i := range items {
			k := key(&items[i])
			if k != "" && seenKey[k] {
				continue
			}
			seenKey[k] = true
			all = append(all, items[i])
		}
		if next == "" || len(items) == 0 {
			return all, nil
		}
		if seenCursor[next] {
			return nil, fmt.Errorf("api: %s: server repeated cursor %q; listing stopped", op, next)
		}
		seenCursor[next] = true
		cursor = next
	}
}

// decodeErr is the error of an answer that is not the JSON we expect;
// asking again would give the same answer, so it is not Temporary.
func decodeErr(op string, err error) error {
	return permanent(fmt.Errorf("api: %s: decoding answer: %w", op, err))
}
