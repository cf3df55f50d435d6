package assets

// MOUNT/.kreafs/assets.jsonl: every asset the account has, one JSON object
// per line, as the API describes it plus the name it has in assets/.

import (
	"bytes"
	"context"
	"encoding/json"
)

// AssetsJSONL returns every asset of the listing assets/ shows now (same
// TTL), in name order: the API's fields (api.Asset: id, image_url,
// uploaded_at, width, height, size_bytes, mime_type, description,
// metadata) with "name" first, one object per line.
func (r *Tree) AssetsJSONL(ctx context.Context) ([]byte, error) {
	t, err := r.assets.table(ctx)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, name := range t.Names() {
		a := t.ByName.At(name)
		if a == nil {
			continue
		}
		rec, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		q, _ := json.Marshal(name)
		b.WriteString(`{"name":`)
		b.Write(q)
		if len(rec) > 2 {
			b.WriteByte(',')
		}
		b.Write(rec[1:])
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}
