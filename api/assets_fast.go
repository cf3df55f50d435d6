package api

// A page of assets decoded without reflection, for the shape the API sends.
//
// encoding/json made the client the slow end of a cold listing of many
// assets (BenchmarkDecodeAssetPage measures both). fastAssetPage scans the
// page once, shares one copy of the page for every string that needs no
// unescaping, and allocates the numbers and MIME types of a page in blocks.
//
// It is an optimisation only: it either returns exactly what
// json.Unmarshal into the page struct returns (checked by
// FuzzFastAssetPage against encoding/json), or ok=false, and the caller
// decodes with encoding/json. It gives up on anything unusual: a key it
// does not know that folds to one it knows ("ID"), a repeated key, a null
// item, a type mismatch, invalid JSON.

import (
	"encoding/json"

	"github.com/kreafs/kreafs/api/internal/pages"
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
	raw := pages.RawPage{NextCursor: next, NextCursorCamel: nextCamel}
	return items, raw.Cursor(), true
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

// strField reads a string. null leaves dst as it is, as encoding/json
// does (dst is still empty: a repeated key gives up); Krea may send a null
// description. Anything else gives up.
func (p *fastParser) strField(dst *string) bool {
	p.ws()
	if p.isNull() {
		return true
	}
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
