// Package order is the list order and the cursors of the emulator's lists:
// an item's place (Key: newest first, ties by insertion, newest first),
// keeping a list sorted (InsertSorted), one page after a cursor (Paginate),
// the cursor's wire form (Cursor, ParseCursor) and how every timestamp is
// written (MsTime, MsLayout: RFC 3339 with exactly three fractional digits).
// It knows nothing of the emulator's records: callers give each item's Key.
//
// Consistency rules:
//   - A plain cursor is Krea's: the millisecond timestamp of the last item
//     returned, meaning "strictly older"; items sharing that millisecond
//     that did not fit on the page are not listed by the next page.
//   - With tieBreak, a page ending inside a run of equal timestamps gets a
//     cursor carrying the last item's sequence in extra fractional digits
//     (still RFC 3339), and paging neither skips nor repeats.
//   - Every cursor Paginate writes reads back (ParseCursor) as the same
//     position; a cursor that is no RFC 3339 timestamp is ErrBadCursor.
package order
