// Package pages reads and follows the list answers of the Krea API for
// package api: the envelope of a page and its cursor (RawPage), lenient
// decoding of items (DecodeLenient), and following the cursor from the
// first page to the last (Collect, and CollectAhead, which requests the
// next page while the current one is decoded). It knows nothing of HTTP
// or of the item types: api gives it a fetch function per listing and a
// Config (page size, logger, which errors are bad requests, whether a
// failed page is fetched again).
//
// Consistency rules:
//   - A timestamp cursor "before T" is followed as "before T + 1ms" and
//     keys already listed are dropped, so items sharing a millisecond are
//     listed exactly once; a tie larger than the largest page (MaxPageLimit)
//     is listed as far as that page reaches, with one warning naming T
//     (pager.go). Other cursors are passed back verbatim, and so are all
//     of a listing's cursors once Config.BadRequest says the API refused a
//     derived one (with one warning).
//   - A request asked twice in one listing (the server led it in a circle)
//     stops the listing with an error.
//   - A page after the first whose fetch failed is fetched again from its
//     own cursor when Config.Again accepts, never from the first page.
//   - CollectAhead gives exactly what Collect gives: a wrongly guessed
//     next page is cancelled and the right one requested.
//   - DecodeLenient changes nothing that encoding/json decodes; it only
//     repairs named time and number fields of an item that fails.
package pages
