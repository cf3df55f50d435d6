package docfake

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The documented job states (docs.krea.ai/developers/job-lifecycle).
const (
	Backlogged           = "backlogged"
	Queued               = "queued"
	Scheduled            = "scheduled"
	Processing           = "processing"
	Sampling             = "sampling"
	IntermediateComplete = "intermediate-complete"
	Completed            = "completed"
	Failed               = "failed"
	Cancelled            = "cancelled"
)

// finished reports whether a job in state st is over (completed_at set).
func finished(st string) bool { return st == Completed || st == Failed || st == Cancelled }

// Job is a job as the fake stores it.
type Job struct {
	ID          string
	Type        string // e.g. "externalImage"
	Status      string
	CreatedAt   time.Time
	CompletedAt *time.Time
	URLs        []string // result.urls (completed, intermediate-complete)
	Error       string   // result.error (failed)
}

// AddJob stores a job (ID and CreatedAt filled in when empty; Type defaults
// to "externalImage") and returns a copy.
func (s *Server) AddJob(j Job) Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.ID == "" {
		j.ID = NewID()
	}
	if j.Type == "" {
		j.Type = "externalImage"
	}
	if j.Status == "" {
		j.Status = Queued
	}
	j.CreatedAt = j.CreatedAt.UTC().Truncate(time.Millisecond)
	if j.CreatedAt.IsZero() {
		j.CreatedAt = now()
	}
	if finished(j.Status) && j.CompletedAt == nil {
		t := now()
		j.CompletedAt = &t
	}
	j.URLs = append([]string(nil), j.URLs...)
	s.jobs[j.ID] = &j
	return j
}

// SetJob moves job id to status with the given result URLs and error
// (completed_at is set when the state is finished, null otherwise). It
// reports whether the job exists.
func (s *Server) SetJob(id, status string, urls []string, errMsg string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return false
	}
	j.Status, j.URLs, j.Error, j.CompletedAt = status, append([]string(nil), urls...), errMsg, nil
	if finished(status) {
		t := now()
		j.CompletedAt = &t
	}
	return true
}

// Job returns a copy of job id, if the fake has it.
func (s *Server) Job(id string) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return Job{}, false
	}
	c := *j
	c.URLs = append([]string(nil), j.URLs...)
	return c, true
}

// jobJSON is the answer for j: "result" is {} until there is something in it.
func jobJSON(j *Job) map[string]any {
	result := map[string]any{}
	if len(j.URLs) > 0 {
		result["urls"] = j.URLs
	}
	if j.Error != "" {
		result["error"] = j.Error
	}
	m := map[string]any{
		"job_id":       j.ID,
		"type":         j.Type,
		"status":       j.Status,
		"created_at":   j.CreatedAt.UTC().Format(TimeLayout),
		"completed_at": nil,
		"result":       result,
	}
	if j.CompletedAt != nil {
		m["completed_at"] = j.CompletedAt.UTC().Format(TimeLayout)
	}
	return m
}

func (s *Server) routeJobs(w http.ResponseWriter, r *http.Request, id string) {
	switch {
	case id == "" && r.Method == http.MethodGet:
		status := r.URL.Query().Get("status")
		types := map[string]bool{}
		for _, t := range strings.Split(r.URL.Query().Get("types"), ",") {
			if t = strings.TrimSpace(t); t != "" {
				types[t] = true
			}
		}
		s.mu.Lock()
		var items []listed
		for _, j := range s.jobs {
			if (status == "" || j.Status == status) && (len(types) == 0 || types[j.Type]) {
				items = append(items, listed{at: j.CreatedAt, id: j.ID, json: jobJSON(j)})
			}
		}
		s.mu.Unlock()
		page(w, r, items)
	case id == "":
		methodNotAllowed(w)
	case r.Method == http.MethodGet:
		s.mu.Lock()
		j, ok := s.jobs[id]
		var m map[string]any
		if ok {
			m = jobJSON(j)
		}
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "Job not found")
			return
		}
		writeJSON(w, http.StatusOK, m)
	case r.Method == http.MethodDelete:
		s.cancelJob(w, id)
	default:
		methodNotAllowed(w)
	}
}

// cancelJob is DELETE /jobs/{id}: a cancel, allowed only while the job is
// queued or processing.
func (s *Server) cancelJob(w http.ResponseWriter, id string) {
	s.mu.Lock()
	j, ok := s.jobs[id]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Job not found")
		return
	}
	if j.Status != Queued && j.Status != Processing {
		st := j.Status
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "Job cannot be cancelled: status is "+st+" (only queued or processing jobs can be cancelled)")
		return
	}
	t := now()
	j.Status, j.CompletedAt = Cancelled, &t
	m := jobJSON(j)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, m)
}

// Style is a style as the fake stores it.
type Style struct {
	ID        string
	Title     *string // nil answers null
	URLs      []string
	Public    bool
	CoverURL  *string
	Prompt    string
	Models    []string
	Owner     *Owner // nil: a Krea-official style (owner null)
	LikeCount int
	CreatedAt time.Time
	// Filter is the GET /styles filter the style belongs to: "user" (yours,
	// the only ones PATCH accepts), "shared" or "krea".
	Filter string
	// Patches are the bodies of every PATCH the style received.
	Patches []string
}

// Owner is a style's creator.
type Owner struct {
	ID, Name string
}

// AddStyle stores a style (ID, CreatedAt and Filter "user" filled in when
// empty) and returns a copy.
func (s *Server) AddStyle(st Style) Style {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.ID == "" {
		st.ID = NewID()
	}
	if st.CreatedAt.IsZero() {
		st.CreatedAt = now()
	}
	if st.Filter == "" {
		st.Filter = "user"
	}
	if st.Filter == "user" && st.Owner == nil {
		st.Owner = &Owner{ID: "00000000-0000-4000-8000-000000000001", Name: "you"}
	}
	s.styles[st.ID] = &st
	return st
}

// Style returns a copy of style id, if the fake has it.
func (s *Server) Style(id string) (Style, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.styles[id]
	if !ok {
		return Style{}, false
	}
	c := *st
	c.Patches = append([]string(nil), st.Patches...)
	return c, true
}

func styleJSON(st *Style) map[string]any {
	urls := st.URLs
	if urls == nil {
		urls = []string{}
	}
	models := st.Models
	if models == nil {
		models = []string{"flux_dev"}
	}
	var owner any
	if st.Owner != nil {
		owner = map[string]any{"id": st.Owner.ID, "name": st.Owner.Name, "avatar_url": nil}
	}
	return map[string]any{
		"id": st.ID, "title": st.Title, "urls": urls, "public": st.Public, "cover_url": st.CoverURL,
		"prompt": st.Prompt, "models": models, "owner": owner, "like_count": st.LikeCount,
		"created_at": st.CreatedAt.UTC().Format(TimeLayout),
	}
}

func (s *Server) routeStyles(w http.ResponseWriter, r *http.Request, id string) {
	switch {
	case id == "" && r.Method == http.MethodGet:
		s.listStyles(w, r)
	case id == "":
		methodNotAllowed(w)
	case r.Method == http.MethodGet:
		s.mu.Lock()
		st, ok := s.styles[id]
		var m map[string]any
		if ok {
			m = styleJSON(st)
		}
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "Style not found")
			return
		}
		writeJSON(w, http.StatusOK, m)
	case r.Method == http.MethodPatch:
		s.patchStyle(w, r, id)
	default:
		methodNotAllowed(w)
	}
}

// listStyles is GET /styles: filter (all, user, shared, krea; default all),
// ids, limit 1..1000 (default 100) and an opaque offset cursor.
func (s *Server) listStyles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter := q.Get("filter")
	if filter == "" {
		filter = "all"
	}
	ids := map[string]bool{}
	for _, id := range strings.Split(q.Get("ids"), ",") {
		if id != "" {
			ids[id] = true
		}
	}
	limit, off := 100, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit must be an integer between 1 and 1000")
			return
		}
		limit = n
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "Invalid cursor")
			return
		}
		off = n
	}
	s.mu.Lock()
	var all []*Style
	for _, st := range s.styles {
		if (filter == "all" || st.Filter == filter) && (len(ids) == 0 || ids[st.ID]) {
			all = append(all, st)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.After(all[j].CreatedAt)
		}
		return all[i].ID < all[j].ID
	})
	items := []map[string]any{}
	for i := off; i < len(all) && i < off+limit; i++ {
		items = append(items, styleJSON(all[i]))
	}
	s.mu.Unlock()
	var next any
	if off+limit < len(all) {
		next = strconv.Itoa(off + limit)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

// patchStyle is PATCH /styles/{id}: the operation "currently supports
// updating the public visibility of a style you own", so `public` is the
// only valid field; a body without it is 400 "No valid fields to update".
func (s *Server) patchStyle(w http.ResponseWriter, r *http.Request, id string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid body")
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON body")
		return
	}
	s.mu.Lock()
	st, ok := s.styles[id]
	if !ok || st.Filter != "user" {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Style not found or you are not the owner")
		return
	}
	st.Patches = append(st.Patches, string(body))
	var public bool
	raw, has := fields["public"]
	if !has || json.Unmarshal(raw, &public) != nil {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "No valid fields to update")
		return
	}
	st.Public = public
	m := styleJSON(st)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, m)
}
