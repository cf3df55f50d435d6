package pages

// Listing every page with the next page requested while the current one is
// decoded. A cursor-paginated listing is a chain (each page names the
// next), so a plain loop leaves the server idle while the client decodes
// and the client idle while the server encodes. CollectAhead guesses the
// next cursor from the raw bytes (cheap: the last "next_cursor" key),
// requests that page at once, and checks the guess against the decoded
// cursor: a wrong guess is thrown away (its request cancelled) and the
// right page requested, so the result is always what Collect gives.
//
// A cold `ls -l` of 10,000 assets is ten pages of 1000; decoding a page
// costs about as much as the server's answer, so overlapping them matters.

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
)

// CollectAhead is Collect (same result, same errors) for a listing whose
// pages are fetched raw by fetch and decoded by decode.
func CollectAhead[T any](ctx context.Context, l *Config, fetch func(ctx context.Context, r Req) ([]byte, error),
	decode func([]byte) ([]T, string, error), key func(*T) string) ([]T, error) {
	type page struct {
		data []byte
		err  error
	}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel() // a prefetch still running is not needed
		wg.Wait()
	}()

	// The pages' items, joined once at the end: appending 10,000 assets
	// one by one to a growing slice allocated and copied about 8 MB
	// (growth by 1.25 for large slices), a quarter of what a cold ls -l
	// allocated.
	var pages [][]T
	total := 0
	seenKey := map[string]bool{}
	pg := newPager(l.Op, l.Limit)
	req := pg.first()
	_ = pg.ask(req)
	data, err := fetch(ctx, req)
	for index := 0; ; index++ {
		data, err = fetchAgain(ctx, l, index, data, err, func() ([]byte, error) { return fetch(ctx, req) })
		if err != nil {
			if r, ok := pg.refused(l.Log, l.BadRequest, req, err); ok {
				req = r
				data, err = fetch(ctx, req)
				continue
			}
			return nil, err
		}
		var ahead chan page
		cancelAhead := func() {}
		guess, guessDone := pg.plan(req, 1, guessCursor(data))
		if !guessDone && !pg.asked[guess.key()] {
			var actx context.Context
			actx, cancelAhead = context.WithCancel(ctx)
			ahead = make(chan page, 1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := fetch(actx, guess)
				ahead <- page{d, err}
			}()
		}
		var items []T
		var next string
		if items, next, err = decode(data); err != nil {
			cancelAhead()
			return nil, err
		}
		kept := items[:0] // items is this page's own slice: filter in place
		for i := range items {
			k := key(&items[i])
			if k != "" && seenKey[k] {
				continue
			}
			seenKey[k] = true
			kept = append(kept, items[i])
		}
		pages = append(pages, kept)
		total += len(kept)
		var nreq Req
		var done bool
		nreq, done, err = pg.next(req, len(items), next)
		if err != nil || done {
			cancelAhead()
			if err != nil {
				return nil, err
			}
			if l.Log != nil {
				pg.report(l.Log)
			}
			return joinPages(pages, total), nil
		}
		req = nreq
		if ahead != nil && req == guess {
			p := <-ahead
			cancelAhead()
			data, err = p.data, p.err
			continue
		}
		cancelAhead()
		data, err = fetch(ctx, req)
	}
}

// guessTail is how much of a page's end guessCursor searches first. The
// cursor key follows the items in every answer seen (Krea's examples, the
// emulator), and looking for a key a page does not hold (`next_cursor`
// in an answer that says `nextCursor`) scanned the whole page, 300 KB for
// 1000 assets, about a millisecond each time on the path from one page's
// arrival to the next page's request.
const guessTail = 4 << 10

// guessCursor is what the page's next cursor probably is, read without
// decoding the page: the value of the last "next_cursor" (else
// "nextCursor") key in the page's last guessTail bytes, else in the whole
// page; "" when there is none. Only a guess: the key may be nested inside
// an item, or come before the items.
func guessCursor(data []byte) string {
	if len(data) > guessTail {
		if c, ok := guessCursorIn(data[len(data)-guessTail:]); ok {
			return c
		}
	}
	c, _ := guessCursorIn(data)
	return c
}

// guessCursorIn is guessCursor within data; ok is false when data holds
// neither key followed by a value.
func guessCursorIn(data []byte) (cursor string, ok bool) {
	for _, key := range []string{`"next_cursor"`, `"nextCursor"`} {
		i := bytes.LastIndex(data, []byte(key))
		if i < 0 {
			continue
		}
		rest := bytes.TrimLeft(data[i+len(key):], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			continue
		}
		var raw json.RawMessage
		if json.NewDecoder(bytes.NewReader(rest[1:])).Decode(&raw) != nil {
			continue
		}
		p := RawPage{NextCursor: raw}
		return p.Cursor(), true
	}
	return "", false
}

// joinPages returns the items of pages in order, in one slice of total
// items (nil when there are none, as appending nothing gives).
func joinPages[T any](pages [][]T, total int) []T {
	if total == 0 {
		return nil
	}
	all := make([]T, 0, total)
	for _, p := range pages {
		all = append(all, p...)
	}
	return all
}
