package api

// The JSON scanner under fastAssetPage (assets_fast.go): whitespace,
// punctuation, keys, strings, numbers and skipped values, each checked as
// encoding/json would, giving up (ok=false) on anything it does not
// handle exactly like it.

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

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
	var ok bool
	if i < len(d) && d[i] == '.' {
		if i, ok = digits(d, i+1); !ok {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i, ok = digits(d, i); !ok {
			return false
		}
	}
	if i < len(d) && !delim(d[i]) {
		return false
	}
	p.i = i
	return true
}

// digits skips the ASCII digits of d from i: where they end, and whether
// there was at least one.
func digits(d []byte, i int) (int, bool) {
	j := i
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i, i > j
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
