package state

// The saved listing of assets/, encoded without reflection.
//
// The first listing of a mount is saved at once (fs/assets/assets_saved.go), on
// a goroutine that runs during the cold ls -l that made it, so encoding
// 10,000 assets must cost little CPU: json.Marshal (reflection) was the
// bulk of a save's cost. appendAssetsJSON writes the very bytes
// json.Marshal writes (checked by TestSnapshotEncodingIsJSONMarshal and
// FuzzSnapshotEncoding), handing anything unusual (escapes, non-ASCII,
// metadata, odd numbers) to encoding/json field by field.

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/kreafs/kreafs/api"
)

// marshalSnapshot is json.Marshal(doc), faster for a listing of assets.
func marshalSnapshot[T any](doc snapshotDoc[T]) ([]byte, error) {
	as, ok := any(doc.Items).([]api.Asset)
	if !ok {
		return json.Marshal(doc)
	}
	b := make([]byte, 0, 64+len(as)*320) // about 270 bytes per asset, so one allocation
	b = append(b, `{"scope":`...)
	b = appendJSONString(b, doc.Scope)
	b = append(b, `,"saved_at":`...)
	b, err := appendJSONTime(b, doc.SavedAt)
	if err != nil {
		return json.Marshal(doc) // the same error
	}
	b = append(b, `,"items":`...)
	if as == nil {
		b = append(b, "null"...)
	} else if b, err = appendAssetsJSON(b, as); err != nil {
		return json.Marshal(doc)
	}
	return append(b, '}'), nil
}

// appendAssetsJSON appends as encoded as json.Marshal does.
func appendAssetsJSON(b []byte, as []api.Asset) ([]byte, error) {
	var err error
	b = append(b, '[')
	for i := range as {
		if i > 0 {
			b = append(b, ',')
		}
		a := &as[i]
		b = append(b, `{"id":`...)
		b = appendJSONString(b, a.ID)
		b = append(b, `,"image_url":`...)
		b = appendJSONString(b, a.ImageURL)
		b = append(b, `,"uploaded_at":`...)
		if b, err = appendJSONTime(b, a.UploadedAt); err != nil {
			return nil, err
		}
		b = append(b, `,"width":`...)
		if b, err = appendJSONFloat(b, a.Width); err != nil {
			return nil, err
		}
		b = append(b, `,"height":`...)
		if b, err = appendJSONFloat(b, a.Height); err != nil {
			return nil, err
		}
		b = append(b, `,"size_bytes":`...)
		if b, err = appendJSONFloat(b, a.SizeBytes); err != nil {
			return nil, err
		}
		b = append(b, `,"mime_type":`...)
		if a.MIMEType == nil {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, *a.MIMEType)
		}
		if a.Description != "" {
			b = append(b, `,"description":`...)
			b = appendJSONString(b, a.Description)
		}
		if len(a.Metadata) > 0 {
			m, err := json.Marshal(a.Metadata) // compacted and HTML-escaped
			if err != nil {
				return nil, err
			}
			b = append(b, `,"metadata":`...)
			b = append(b, m...)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSONString appends s as encoding/json quotes it (HTML-safe).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON does.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b) // MarshalJSON is this text, quoted
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// appendJSONFloat appends *f as encoding/json writes a *float64 (plain
// integers directly, anything else through encoding/json).
func appendJSONFloat(b []byte, f *float64) ([]byte, error) {
	if f == nil {
		return append(b, "null"...), nil
	}
	if v := *f; v == math.Trunc(v) && math.Abs(v) < 1e15 && !(v == 0 && math.Signbit(v)) {
		return strconv.AppendInt(b, int64(v), 10), nil
	}
	q, err := json.Marshal(*f) // NaN and Inf fail, as they fail json.Marshal
	if err != nil {
		return nil, err
	}
	return append(b, q...), nil
}
