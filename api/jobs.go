package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/kreafs/kreafs/api/internal/pages"
)

var (
	jobTimeFields = []string{"created_at", "completed_at"}
)

// decodeJob decodes one job and keeps its raw object in Raw. A result of
// an unexpected shape is dropped from the typed fields (Raw still has it)
// rather than losing the whole job.
func decodeJob(raw json.RawMessage) (Job, error) {
	var j Job
	err := pages.DecodeLenient(raw, &j, jobTimeFields, nil)
	if err != nil {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return Job{}, err
		}
		if _, ok := m["result"]; !ok {
			return Job{}, err
		}
		delete(m, "result")
		stripped, _ := json.Marshal(m)
		j = Job{}
		if err2 := pages.DecodeLenient(stripped, &j, jobTimeFields, nil); err2 != nil {
			return Job{}, err
		}
	}
	j.Raw = append(json.RawMessage(nil), bytes.TrimSpace(raw)...)
	return j, nil
}

// ListJobs returns one page of jobs, newest first.
func (c *Client) ListJobs(ctx context.Context, o JobListOptions) (*JobPage, error) {
	const op = "GET /jobs"
	q := url.Values{}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Cursor != "" {
		q.Set("cursor", o.Cursor)
	}
	if o.Status != "" {
		q.Set("status", o.Status)
	}
	if len(o.Types) > 0 {
		q.Set("types", strings.Join(o.Types, ","))
	}
	data, err := c.getJSON(ctx, op, "/jobs", q, nil)
	if err != nil {
		return nil, err
	}
	items, next, err := decodePage(c.log, op, data, decodeJob)
	if err != nil {
		return nil, err
	}
	return &JobPage{Items: items, NextCursor: next}, nil
}

// AllJobs lists every job matching o, following next_cursor (o.Cursor is
// ignored; o.Limit defaults to Config.PageSize).
func (c *Client) AllJobs(ctx context.Context, o JobListOptions) ([]Job, error) {
	l := c.listCfg("GET /jobs")
	if o.Limit > 0 {
		l.Limit = o.Limit
	}
	return pages.Collect(ctx, l, func(r pages.Req) ([]Job, string, error) {
		o.Cursor, o.Limit = r.Cursor, r.Limit
		p, err := c.ListJobs(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextCursor, nil
	}, func(j *Job) string { return j.JobID })
}

// GetJob returns the current state of a job.
func (c *Client) GetJob(ctx context.Context, id string) (*Job, error) {
	return getByID(ctx, c, "/jobs", id, decodeJob)
}

// DeleteJob deletes a job. A 404 is returned as an error matching
// ErrNotFound; the caller decides whether that counts as success.
func (c *Client) DeleteJob(ctx context.Context, id string) error {
	return c.deleteByID(ctx, "/jobs", id)
}

// Generate POSTs body as JSON to a generation endpoint (p like
// "/generate/image/bfl/flux-1-dev") and returns the new job. Not retried
// once the request may have reached the server (a retry could start a
// second, paid, job).
func (c *Client) Generate(ctx context.Context, p string, body any) (*Job, error) {
	if !validGeneratePath(p) {
		return nil, permanent(fmt.Errorf("api: generate: invalid path %q (want /generate/...)", p))
	}
	op := "POST " + p
	data, err := c.sendJSON(ctx, http.MethodPost, op, p, body)
	if err != nil {
		return nil, err
	}
	j, err := decodeJob(data)
	if err != nil {
		return nil, lostIfCreated(decodeErr(op, err))
	}
	return &j, nil
}

// validGeneratePath accepts clean paths below /generate/ made of
// unreserved characters only.
func validGeneratePath(p string) bool {
	if !strings.HasPrefix(p, "/generate/") || len(p) <= len("/generate/") || path.Clean(p) != p {
		return false
	}
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("/-_.~", r):
		default:
			return false
		}
	}
	return true
}
