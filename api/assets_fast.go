package api

// A page of assets decoded without reflection, for the shape the API sends.
//
// encoding/json decoded a page of 1000 assets in 5.7 ms on the benchmark
// machine (BenchmarkDecodeAssetPage, 39 MB/s), about twice what the
// emulator takes to encode and send it (3 ms): the client was the slow end
// of a cold listing of 10,000 assets. fastAssetPage scans the
// page once, shares one copy of the page for every string that needs no
// unescaping, and allocates the numbers and MIME types of a page in blocks.
//
// It is an optimisation only: it either returns exactly what
// json.Unmarshal into the page struct returns (checked by
// FuzzFastAssetPage against encoding/json), or ok=false, and the caller
// decodes with encoding/json. It gives up on anything unusual: a key it
// does not know that folds to one it knows ("ID"), a repeated key, a null
// item or string field, a type mismatch, invalid JSON.

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// fastAssetPage decodes a page ({"items":[...],"next_cursor":...}).
func fastAssetPage(data []byte) (items []Asset, next string, ok bool) {
	p := fastParser{data: data, s: string(data)}
	defer func() {
		if recover() != nil { // a bug here must not break listings
			items, next, ok = nil, "", false
		}
	}()
	items, next, ok = p.page()
	return items, next, ok
}

type fastParser struct {
	data   []byte
	s      string // data as one string: fields without escapes are substrings of it
	i      int
	floats []float64 // block the numbers point into
	mimes  []string  // block the MIME types point into
	bytes  []byte    // block the metadata is copied into
}

// copyBytes returns a copy of b (never nil) from the block; its capacity
// ends with it, so appending to it never touches a neighbour.
func (p *fastParser) copyBytes(b []byte) json.RawMessage {
	if len(b) > cap(p.bytes)-len(p.bytes) {
		p.bytes = make([]byte, 0, max(len(b), 16<<10))
	}
	n := len(p.bytes)
	p.bytes = append(p.bytes, b...)
	return json.RawMessage(p.bytes[n : n+len(b) : n+len(b)])
}

func (p *fastParser) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips whitespace and then c, reporting whether c was there.
func (p *fastParser) consume(c byte) bool {
	p.ws()
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) peek() byte {
	p.ws()
	if p.i < len(p.data) {
		return p.data[p.i]
	}
	return 0
}

func (p *fastParser) page() ([]Asset, string, bool) {
	if !p.consume('{') {
		return nil, "", false
	}
	var items []Asset
	var next, nextCamel json.RawMessage
	var seen [3]bool
	if p.consume('}') {
		return nil, "", p.end()
	}
	for {
		key, ok := p.key()
		if !ok {
			return nil, "", false
		}
		k := -1
		switch key {
		case "items":
			k = 0
		case "next_cursor":
			k = 1
		case "nextCursor":
			k = 2
		default:
			if foldsTo(key, "items", "next_cursor", "nextCursor") {
				return nil, "", false
			}
		}
		if k >= 0 {
			if seen[k] {
				return nil, "", false
			}
			seen[k] = true
		}
		switch k {
		case 0:
			if items, ok = p.items(); !ok {
				return nil, "", false
			}
		case 1, 2:
			start, end, ok := p.skipValue()
			if !ok {
				return nil, "", false
			}
			if k == 1 {
				next = json.RawMessage(p.data[start:end])
			} else {
				nextCamel = json.RawMessage(p.data[start:end])
			}
		default:
			if _, _, ok := p.skipValue(); !ok {
				return nil, "", false
			}
		}
		if p.consume(',') {
			continue
		}
		if p.consume('}') {
			break
		}
		return nil, "", false
	}
	if !p.end() {
		return nil, "", false
	}
	raw := rawPage{NextCursor: next, NextCursorCamel: nextCamel}
	return items, raw.cursor(), true
}

// end reports whether only whitespace is left.
func (p *fastParser) end() bool {
	p.ws()
	return p.i == len(p.data)
}

// foldsTo reports whether key matches one of names ignoring case the way
// encoding/json might (any non-ASCII key counts as a possible match).
func foldsTo(key string, names ...string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if len(n) == len(key) && equalFoldASCII(n, key) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// key reads an object key and the colon after it. Keys with escapes are
// refused (they might spell a known key).
func (p *fastParser) key() (string, bool) {
	p.ws()
	s, esc, ok := p.rawString()
	if !ok || esc || !p.consume(':') {
		return "", false
	}
	return s, true
}

// rawString reads a string at p.i: its contents (a substring of p.s, as
// written) and whether it needs unescaping or UTF-8 repair (escapes or
// bytes >= 0x80 that are not valid UTF-8).
func (p *fastParser) rawString() (s string, needsDecode bool, ok bool) {
	if p.i >= len(p.data) || p.data[p.i] != '"' {
		return "", false, false
	}
	start := p.i + 1
	high := false
	for j := start; j < len(p.data); j++ {
		c := p.data[j]
		switch {
		case c == '"':
			p.i = j + 1
			s = p.s[start:j]
			if high && !needsDecode && !utf8.ValidString(s) {
				needsDecode = true
			}
			return s, needsDecode, true
		case c == '\\':
			needsDecode = true
			j++ // the escaped byte is never the closing quote
		case c < 0x20:
			return "", false, false // invalid in JSON
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	return "", false, false
}

// str reads a string value as encoding/json would decode it.
func (p *fastParser) str() (string, bool) {
	p.ws()
	start := p.i
	s, dec, ok := p.rawString()
	if !ok {
		return "", false
	}
	if !dec {
		return s, true
	}
	var out string
	if json.Unmarshal(p.data[start:p.i], &out) != nil {
		return "", false
	}
	return out, true
}

func (p *fastParser) items() ([]Asset, bool) {
	p.ws()
	if p.i+4 <= len(p.data) && p.s[p.i:p.i+4] == "null" {
		p.i += 4
		return nil, true
	}
	if !p.consume('[') {
		return nil, false
	}
	items := make([]Asset, 0, min(1000, len(p.data)/128+1))
	if p.consume(']') {
		return items, true
	}
	for {
		if p.peek() != '{' {
			return nil, false // null or not an object: leave it to encoding/json
		}
		var a Asset
		if !p.asset(&a) {
			return nil, false
		}
		items = append(items, a)
		if p.consume(',') {
			continue
		}
		if p.consume(']') {
			return items, true
		}
		return nil, false
	}
}

// Fields of an asset, as bits (a repeated key gives up).
const (
	fID = 1 << iota
	fImageURL
	fUploadedAt
	fWidth
	fHeight
	fSizeBytes
	fMIMEType
	fDescription
	fMetadata
)

var assetKeys = []string{"id", "image_url", "uploaded_at", "width", "height", "size_bytes", "mime_type", "description", "metadata"}

func (p *fastParser) asset(a *Asset) bool {
	if !p.consume('{') {
		return false
	}
	if p.consume('}') {
		return true
	}
	seen := 0
	for {
		key, ok := p.key()
		if !ok {
			return false
		}
		bit := 0
		switch key {
		case "id":
			bit = fID
		case "image_url":
			bit = fImageURL
		case "uploaded_at":
			bit = fUploadedAt
		case "width":
			bit = fWidth
		case "height":
			bit = fHeight
		case "size_bytes":
			bit = fSizeBytes
		case "mime_type":
			bit = fMIMEType
		case "description":
			bit = fDescription
		case "metadata":
			bit = fMetadata
		default:
			if foldsTo(key, assetKeys...) {
				return false
			}
		}
		if bit != 0 {
			if seen&bit != 0 {
				return false
			}
			seen |= bit
		}
		switch bit {
		case fID:
			ok = p.strField(&a.ID)
		case fImageURL:
			ok = p.strField(&a.ImageURL)
		case fDescription:
			ok = p.strField(&a.Description)
		case fUploadedAt:
			ok = p.timeField(a)
		case fWidth:
			a.Width, ok = p.numField()
		case fHeight:
			a.Height, ok = p.numField()
		case fSizeBytes:
			a.SizeBytes, ok = p.numField()
		case fMIMEType:
			a.MIMEType, ok = p.mimeField()
		case fMetadata:
			var start, end int
			if start, end, ok = p.skipValue(); ok {
				a.Metadata = p.copyBytes(p.data[start:end])
			}
		default:
			_, _, ok = p.skipValue()
		}
		if !ok {
			return false
		}
		if p.consume(',') {
			continue
		}
		return p.consume('}')
	}
}

// strField reads a string; anything else (null included) gives up.
func (p *fastParser) strField(dst *string) bool {
	if p.peek() != '"' {
		return false
	}
	s, ok := p.str()
	*dst = s
	return ok
}

// timeField reads uploaded_at with time.Time's own JSON decoding (null
// leaves it zero, as encoding/json does).
func (p *fastParser) timeField(a *Asset) bool {
	p.ws()
	if p.isNull() {
		return true
	}
	start := p.i
	if _, _, ok := p.rawString(); !ok {
		return false
	}
	return a.UploadedAt.UnmarshalJSON(p.data[start:p.i]) == nil
}

func (p *fastParser) isNull() bool {
	if p.i+4 <= len(p.data) && p.s[p.i:p.i+4] == "null" && (p.i+4 == len(p.data) || delim(p.data[p.i+4])) {
		p.i += 4
		return true
	}
	return false
}

func delim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

// numField reads a JSON number (or null) into a *float64 from the block.
func (p *fastParser) numField() (*float64, bool) {
	p.ws()
	if p.isNull() {
		return nil, true
	}
	start := p.i
	if !p.number() {
		return nil, false
	}
	f, err := strconv.ParseFloat(p.s[start:p.i], 64)
	if err != nil {
		return nil, false // out of range: encoding/json fails the page too
	}
	if len(p.floats) == cap(p.floats) {
		p.floats = make([]float64, 0, 768)
	}
	p.floats = append(p.floats, f)
	return &p.floats[len(p.floats)-1], true
}

// number scans a number with JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *fastParser) number() bool {
	d, i := p.data, p.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(d) && !delim(d[i]) {
		return false
	}
	p.i = i
	return true
}

// mimeField reads a string (or null) into a *string from the block.
func (p *fastParser) mimeField() (*string, bool) {
	p.ws()
	if p.isNull() {
		return nil, true
	}
	if p.peek() != '"' {
		return nil, false
	}
	s, ok := p.str()
	if !ok {
		return nil, false
	}
	if len(p.mimes) == cap(p.mimes) {
		p.mimes = make([]string, 0, 256)
	}
	p.mimes = append(p.mimes, s)
	return &p.mimes[len(p.mimes)-1], true
}

// skipValue skips one JSON value and returns where it starts and ends; the
// value is checked to be valid JSON.
func (p *fastParser) skipValue() (start, end int, ok bool) {
	p.ws()
	start = p.i
	if start >= len(p.data) {
		return 0, 0, false
	}
	switch c := p.data[start]; {
	case c == '"':
		if _, _, ok := p.rawString(); !ok {
			return 0, 0, false
		}
	case c == '{' || c == '[':
		depth := 0
		j := start
	scan:
		for ; j < len(p.data); j++ {
			switch p.data[j] {
			case '"':
				p.i = j
				if _, _, ok := p.rawString(); !ok {
					return 0, 0, false
				}
				j = p.i - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					j++
					break scan
				}
			}
		}
		if depth != 0 {
			return 0, 0, false
		}
		p.i = j
	case c == '-' || c >= '0' && c <= '9':
		if !p.number() {
			return 0, 0, false
		}
	default: // true, false, null
		j := start
		for j < len(p.data) && p.data[j] >= 'a' && p.data[j] <= 'z' {
			j++
		}
		switch p.s[start:j] {
		case "true", "false", "null":
		default:
			return 0, 0, false
		}
		p.i = j
	}
	end = p.i
	if !json.Valid(p.data[start:end]) {
		return 0, 0, false
	}
	return start, end, true
}
