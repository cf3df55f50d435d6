package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kreafs/kreafs/api/internal/pages"
)

var styleNumberFields = []string{"like_count"}

// decodeStyle decodes one style and keeps its raw object in Raw.
func decodeStyle(raw json.RawMessage) (Style, error) {
	var s Style
	if err := pages.DecodeLenient(raw, &s, nil, styleNumberFields); err != nil {
		return Style{}, err
	}
	s.Raw = append(json.RawMessage(nil), bytes.TrimSpace(raw)...)
	return s, nil
}

// ListStyles returns one page of styles.
func (c *Client) ListStyles(ctx context.Context, o StyleListOptions) (*StylePage, error) {
	const op = "GET /styles"
	q := url.Values{}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Cursor != "" {
		q.Set("cursor", o.Cursor)
	}
	if o.Filter != "" {
		q.Set("filter", o.Filter)
	}
	if len(o.IDs) > 0 {
		q.Set("ids", strings.Join(o.IDs, ","))
	}
	if o.Model != "" {
		q.Set("model", o.Model)
	}
	if o.User != "" {
		q.Set("user", o.User)
	}
	if o.Liked {
		q.Set("liked", "true")
	}
	data, err := c.getJSON(ctx, op, "/styles", q, nil)
	if err != nil {
		return nil, err
	}
	items, next, err := decodePage(c.log, op, data, decodeStyle)
	if err != nil {
		return nil, err
	}
	return &StylePage{Items: items, NextCursor: next}, nil
}

// AllStyles lists every style matching o, following next_cursor (o.Cursor
// is ignored; o.Limit defaults to Config.PageSize).
func (c *Client) AllStyles(ctx context.Context, o StyleListOptions) ([]Style, error) {
	l := c.listCfg("GET /styles")
	if o.Limit > 0 {
		l.Limit = o.Limit
	}
	return pages.Collect(ctx, l, func(r pages.Req) ([]Style, string, error) {
		o.Cursor, o.Limit = r.Cursor, r.Limit
		p, err := c.ListStyles(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextCursor, nil
	}, func(s *Style) string { return s.ID })
}

// GetStyle returns one style.
func (c *Client) GetStyle(ctx context.Context, id string) (*Style, error) {
	return getByID(ctx, c, "/styles", id, decodeStyle)
}

// PatchStyle changes a style's public flag, urls, title or cover and
// returns the updated style. Retried only when it provably never reached
// the server.
func (c *Client) PatchStyle(ctx context.Context, id string, patch StylePatch) (*Style, error) {
	const op = "PATCH /styles/{id}"
	p, err := idPath("/styles", id)
	if err != nil {
		return nil, err
	}
	data, err := c.sendJSON(ctx, http.MethodPatch, op, p, patch)
	if err != nil {
		return nil, err
	}
	s, err := decodeStyle(data)
	if err != nil {
		return nil, decodeErr(op, err)
	}
	return &s, nil
}

// TrainStyle starts training a style (LoRA) and returns the job; when it
// completes, its result carries style_id. Not retried once the request may
// have reached the server.
func (c *Client) TrainStyle(ctx context.Context, r TrainRequest) (*Job, error) {
	return c.TrainStyleBody(ctx, r)
}

// TrainStyleBody is TrainStyle with any JSON body (a train.json as the user
// wrote it, fields TrainRequest lacks included).
func (c *Client) TrainStyleBody(ctx context.Context, body any) (*Job, error) {
	const op = "POST /styles/train"
	data, err := c.sendJSON(ctx, http.MethodPost, op, "/styles/train", body)
	if err != nil {
		return nil, err
	}
	j, err := decodeJob(data)
	if err != nil {
		return nil, lostIfCreated(decodeErr(op, err))
	}
	return &j, nil
}
