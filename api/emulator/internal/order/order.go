package order

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Key places an item in a list: newest first, and among items with the
// same timestamp, the one inserted last first (seq is unique per collection).
type Key struct {
	T   time.Time
	Seq uint64
}

// Before reports whether a is listed before b.
func (a Key) Before(b Key) bool {
	if !a.T.Equal(b.T) {
		return a.T.After(b.T)
	}
	return a.Seq > b.Seq
}

// Cursor is a position in a list: everything listed after the item with
// key {t, seq}. A cursor without seq (hasSeq false) means "older than t",
// which is what a plain Krea timestamp cursor means.
//
// Wire form, by default (Krea's documented cursor): the RFC 3339 timestamp
// with milliseconds of the last item returned, e.g.
// "2026-02-13T02:20:58.265Z", meaning "strictly older than that". Items that
// share that millisecond and did not fit on the page are not listed by the
// next page: Krea documents no tie-breaker, and a client must cope.
//
// With Options.TieBreakCursor, when the last item shares its timestamp with
// the next one, the timestamp is written with exactly nine fractional digits
// followed by the item's seq in decimal, e.g. "2025-01-02T03:04:05.123000000"
// + "42" + "Z". That is still a valid RFC 3339 date-time (the fraction may
// have any number of digits), so a client that only passes the cursor back
// pages through ties without skipping or repeating anything.
type Cursor struct {
	t      time.Time
	seq    uint64
	hasSeq bool
}

var ErrBadCursor = errors.New("invalid cursor: want an RFC 3339 timestamp such as a previous nextCursor")

// ParseCursor reads the wire form. The empty string is the start of the
// list. Without tieBreak a sequence in the fraction is ignored: the cursor is
// the plain timestamp.
func ParseCursor(s string, tieBreak bool) (Cursor, bool, error) {
	if s == "" {
		return Cursor{}, false, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Cursor{}, false, ErrBadCursor
	}
	c := Cursor{t: t}
	// Find the fraction, if any, between the seconds and the zone.
	if i := strings.IndexByte(s, '.'); i >= 0 {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		frac := s[i+1 : j]
		if tieBreak && len(frac) > 9 && strings.Trim(frac[9:], "0") != "" {
			seq, err := strconv.ParseUint(frac[9:], 10, 64)
			if err != nil {
				return Cursor{}, false, ErrBadCursor
			}
			c.seq, c.hasSeq = seq, true
		}
	}
	return c, true, nil
}

// String is the wire form.
func (c Cursor) String() string {
	t := c.t.UTC()
	if !c.hasSeq {
		return t.Format(MsLayout)
	}
	return t.Format("2006-01-02T15:04:05.000000000") + strconv.FormatUint(c.seq, 10) + "Z"
}

// after reports whether an item with key k is listed after the cursor.
func (c Cursor) after(k Key) bool {
	if k.T.Before(c.t) {
		return true
	}
	return c.hasSeq && k.T.Equal(c.t) && k.Seq < c.seq
}

// Paginate returns one page of items (already in list order, i.e. sorted by
// Key.before) after cur (when hasCur), at most limit long, and the next
// cursor ("" on the last page). keep filters items; key gives an item's order.
// tieBreak makes the cursor carry the hidden sequence when the page ends
// inside a run of equal timestamps (Options.TieBreakCursor); without it the
// cursor is the plain timestamp of the last item.
func Paginate[T any](items []T, key func(T) Key, keep func(T) bool, cur Cursor, hasCur bool, limit int, tieBreak bool) ([]T, string) {
	start := 0
	if hasCur {
		start = sort.Search(len(items), func(i int) bool { return cur.after(key(items[i])) })
	}
	var page []T
	i := start
	for ; i < len(items) && len(page) < limit; i++ {
		if keep == nil || keep(items[i]) {
			page = append(page, items[i])
		}
	}
	// Is there a further kept item? Find it, to decide about next_cursor and
	// whether the cursor must carry the tie-breaker.
	for ; i < len(items); i++ {
		if keep == nil || keep(items[i]) {
			break
		}
	}
	if i >= len(items) || len(page) == 0 {
		return page, ""
	}
	last := key(page[len(page)-1])
	next := key(items[i])
	c := Cursor{t: last.T, seq: last.Seq, hasSeq: tieBreak && next.T.Equal(last.T)}
	return page, c.String()
}

// MsLayout is how every timestamp the emulator sends is written: RFC 3339
// with exactly three fractional digits, as in Krea's examples
// ("2026-02-13T02:20:58.265Z").
const MsLayout = "2006-01-02T15:04:05.000Z07:00"

// MsTime is a timestamp in a JSON answer, written with MsLayout.
type MsTime time.Time

func (t MsTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(MsLayout) + `"`), nil
}

// MsPtr is t as an MsTime, nil for nil.
func MsPtr(t *time.Time) *MsTime {
	if t == nil {
		return nil
	}
	m := MsTime(*t)
	return &m
}

// InsertSorted inserts x into items keeping list order.
func InsertSorted[T any](items []T, x T, key func(T) Key) []T {
	k := key(x)
	i := sort.Search(len(items), func(i int) bool { return k.Before(key(items[i])) })
	items = append(items, x)
	copy(items[i+1:], items[i:])
	items[i] = x
	return items
}
