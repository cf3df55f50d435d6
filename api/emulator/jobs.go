package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator/spec"
	"github.com/sirupsen/logrus"
)

// maxJSONBody bounds generation and training request bodies.
const maxJSONBody = 1 << 20

// trainingType is the job type of POST /styles/train (the spec's name).
const trainingType = "loraTraining"

// failureMessage is result.error of a job that the dice made fail.
const failureMessage = "generation failed (emulated failure)"

var jobStatuses = map[string]bool{
	api.StatusBacklogged: true, api.StatusQueued: true, api.StatusScheduled: true,
	api.StatusProcessing: true, api.StatusSampling: true, api.StatusIntermediateComplete: true,
	api.StatusCompleted: true, api.StatusFailed: true, api.StatusCancelled: true,
}

// generatePaths reads every POST /generate/... path from the embedded spec.
func generatePaths() (map[string]bool, error) {
	ps, err := spec.GeneratePaths()
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(ps))
	for _, p := range ps {
		m[p] = true
	}
	return m, nil
}

// jobJSON is a job as GET /jobs and GET /jobs/{id} return it: completed_at
// and result are absent (not null) until the job ends, as the spec has them.
type jobJSON struct {
	JobID       string         `json:"job_id"`
	Status      string         `json:"status"`
	CreatedAt   msTime         `json:"created_at"`
	CompletedAt *msTime        `json:"completed_at,omitempty"`
	Result      *api.JobResult `json:"result,omitempty"`
}

// newJobJSON is the answer to a POST that creates a job: completed_at and
// result are present and null, as the spec requires.
type newJobJSON struct {
	JobID       string    `json:"job_id"`
	Status      string    `json:"status"`
	CreatedAt   msTime    `json:"created_at"`
	CompletedAt *msTime   `json:"completed_at"`
	Result      *struct{} `json:"result"`
}

// end is when the job finishes (to the millisecond, like every timestamp).
func (j *jobRec) end() time.Time { return j.CreatedAt.Add(j.Duration).Truncate(time.Millisecond) }

// statusAt is the job's status at now: queued for the first third of its
// duration, then processing, then completed or failed.
func (j *jobRec) statusAt(now time.Time) string {
	switch {
	case !now.Before(j.end()):
		if j.Fail {
			return api.StatusFailed
		}
		return api.StatusCompleted
	case now.Sub(j.CreatedAt) < j.Duration/3:
		return api.StatusQueued
	default:
		return api.StatusProcessing
	}
}

func (s *Server) jobJSONLocked(j *jobRec, now time.Time) jobJSON {
	out := jobJSON{JobID: j.ID, Status: j.statusAt(now), CreatedAt: msTime(j.CreatedAt)}
	switch out.Status {
	case api.StatusCompleted:
		end := msTime(j.end())
		out.CompletedAt = &end
		res := &api.JobResult{StyleID: j.StyleID}
		for _, k := range j.Results {
			res.URLs = append(res.URLs, s.fileURL(k))
		}
		out.Result = res
	case api.StatusFailed:
		end := msTime(j.end())
		out.CompletedAt = &end
		out.Result = &api.JobResult{Error: j.Error}
	}
	return out
}

// advanceLocked applies the side effects of jobs that finished by now:
// a finished training job creates its style.
func (s *Server) advanceLocked(now time.Time) {
	for _, j := range s.st.Jobs {
		if j.Train == nil || j.Done || now.Before(j.end()) {
			continue
		}
		j.Done = true
		if !j.Fail {
			s.createTrainedStyleLocked(j)
		}
		s.markDirtyLocked()
	}
}

func (s *Server) createTrainedStyleLocked(j *jobRec) {
	end := j.end()
	name := j.Train.Name
	model := j.Train.Model
	if model == "" {
		model = "flux_dev"
	}
	st := &styleRec{
		ID: j.StyleID, Seq: s.nextSeqLocked(), Title: &name,
		Prompt: j.Train.TriggerWord, Models: []string{model},
		Owner: s.user(), CreatedAt: end,
	}
	s.addStyleImagesLocked(st, 2, end)
	s.addStyleLocked(st)
}

// unfinishedLocked counts jobs not yet completed or failed at now.
func (s *Server) unfinishedLocked(now time.Time) int {
	n := 0
	for _, j := range s.st.Jobs {
		if now.Before(j.end()) {
			n++
		}
	}
	return n
}

func (s *Server) handleListJobs(w http.ResponseWriter, r *http.Request) {
	limit, cur, hasCur, ok := s.listParams(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	if q.Has("status") && !jobStatuses[status] {
		writeError(w, http.StatusBadRequest, "invalid status "+strconv.Quote(status))
		return
	}
	var types map[string]bool
	if t := q.Get("types"); t != "" {
		types = map[string]bool{}
		for _, x := range strings.Split(t, ",") {
			if x = strings.TrimSpace(x); x != "" {
				types[x] = true
			}
		}
	}
	s.mu.Lock()
	now := s.now()
	s.advanceLocked(now)
	keep := func(j *jobRec) bool {
		return (status == "" || j.statusAt(now) == status) && (types == nil || types[j.Type])
	}
	page, next := paginate(s.st.Jobs, jobKey, keep, cur, hasCur, limit, s.opt.TieBreakCursor)
	items := make([]jobJSON, len(page))
	for i, j := range page {
		items[i] = s.jobJSONLocked(j, now)
	}
	s.mu.Unlock()
	s.writeList(w, items, next)
}

func (s *Server) handleGetJob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := s.now()
	s.advanceLocked(now)
	j, ok := s.jobsByID[r.PathValue("id")]
	var out jobJSON
	if ok {
		out = s.jobJSONLocked(j, now)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "job not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleDeleteJob(w http.ResponseWriter, r *http.Request) {
	if !s.RemoveJob(r.PathValue("id")) {
		writeError(w, http.StatusNotFound, "job not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Job deleted"})
}

// readJSONBody reads and validates a JSON body against the spec operation
// of r, answering 400 itself. It returns the decoded object.
func readJSONBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read body: "+err.Error())
		return nil, false
	}
	if len(body) > maxJSONBody {
		writeError(w, http.StatusBadRequest, "body too large")
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		writeError(w, http.StatusBadRequest, "the request body must be a JSON object")
		return nil, false
	}
	if err := spec.ValidateJSONBody(r.Context(), r.Method, r.URL.Path, body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body: "+err.Error())
		return nil, false
	}
	return m, true
}

// handleGenerate is every POST /generate/... path of the spec.
func (s *Server) handleGenerate(w http.ResponseWriter, r *http.Request) {
	body, ok := readJSONBody(w, r)
	if !ok {
		return
	}
	results := planResults(r.URL.Path, body)
	j := &jobRec{Type: path.Base(r.URL.Path), Path: r.URL.Path}
	s.createJob(w, j, results)
}

// handleTrain is POST /styles/train: a job whose completion creates a style.
func (s *Server) handleTrain(w http.ResponseWriter, r *http.Request) {
	body, ok := readJSONBody(w, r)
	if !ok {
		return
	}
	ts := &trainSpec{}
	ts.Name, _ = body["name"].(string)
	ts.Model, _ = body["model"].(string)
	ts.TriggerWord, _ = body["trigger_word"].(string)
	if us, ok := body["urls"].([]any); ok {
		for _, u := range us {
			if u, ok := u.(string); ok {
				ts.URLs = append(ts.URLs, u)
			}
		}
	}
	j := &jobRec{Type: trainingType, Path: r.URL.Path, Train: ts, StyleID: s.newID()}
	s.createJob(w, j, nil)
}

// plannedResult is one result file of a generation: rendered lazily.
type plannedResult struct {
	ext  string
	blob blob
}

// createJob records j (checking the concurrency limit) and answers.
func (s *Server) createJob(w http.ResponseWriter, j *jobRec, results []plannedResult) {
	j.ID = s.newID()
	j.Duration = time.Duration(s.jobDuration.Load())
	if rate := loadFloat(&s.jobFailRate); rate > 0 && s.dice() < rate {
		j.Fail, j.Error = true, failureMessage
	}
	seed := s.randUint64()
	s.mu.Lock()
	now := s.now()
	s.advanceLocked(now)
	if limit := int(s.maxJobs.Load()); limit > 0 && s.unfinishedLocked(now) >= limit {
		s.mu.Unlock()
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("maximum number of concurrent jobs reached (%d)", limit))
		return
	}
	j.CreatedAt = s.autoTimeLocked()
	j.Seq = s.nextSeqLocked()
	if !j.Fail {
		for i, pr := range results {
			key := fmt.Sprintf("r/%s/%d.%s", j.ID, i, pr.ext)
			b := pr.blob
			b.Seed = seed + uint64(i)
			b.ModTime = j.end()
			b.NotBefore = j.end()
			s.st.Files[key] = &b
			j.Results = append(j.Results, key)
		}
	}
	s.addJobLocked(j)
	s.markDirtyLocked()
	out := newJobJSON{JobID: j.ID, Status: api.StatusQueued, CreatedAt: msTime(j.CreatedAt)}
	s.mu.Unlock()
	s.log.WithFields(logrus.Fields{"op": "job", "id": j.ID, "type": j.Type}).Info("emulator: job created")
	writeJSON(w, http.StatusOK, out)
}

// planResults decides the result files of a generation from its path and
// body: images of the requested size (PNG, or JPEG where asked), a small
// real MP4 for video endpoints.
func planResults(p string, body map[string]any) []plannedResult {
	switch {
	case strings.HasPrefix(p, "/generate/video/"):
		return []plannedResult{{ext: "mp4", blob: blob{Kind: blobEmbed, Name: "sample.mp4"}}}
	case strings.HasPrefix(p, "/generate/enhance/"):
		w, h := requestedSize(body)
		switch body["output_format"] {
		case "png":
			return []plannedResult{{ext: "png", blob: blob{Kind: blobPNG, W: w, H: h}}}
		case "webp":
			// No WebP encoder in the standard library: a fixed sample.
			return []plannedResult{{ext: "webp", blob: blob{Kind: blobEmbed, Name: "sample.webp"}}}
		default: // "jpg" is the spec's default
			return []plannedResult{{ext: "jpg", blob: blob{Kind: blobJPEG, W: w, H: h}}}
		}
	default:
		w, h := requestedSize(body)
		if f, _ := body["output_format"].(string); f == "jpeg" || f == "jpg" {
			return []plannedResult{{ext: "jpg", blob: blob{Kind: blobJPEG, W: w, H: h}}}
		}
		return []plannedResult{{ext: "png", blob: blob{Kind: blobPNG, W: w, H: h}}}
	}
}

// requestedSize reads width/height, else aspect_ratio and resolution
// ("1K", "2K", "4K": the long side), else 1024x1024.
func requestedSize(body map[string]any) (int, int) {
	w, wok := body["width"].(float64)
	h, hok := body["height"].(float64)
	if wok && hok && w >= 1 && h >= 1 {
		return clampDims(int(math.Round(w)), int(math.Round(h)))
	}
	long := 1024
	switch body["resolution"] {
	case "2K":
		long = 2048
	case "4K":
		long = 4096
	}
	ar, _ := body["aspect_ratio"].(string)
	a, b, ok := strings.Cut(ar, ":")
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if !ok || err1 != nil || err2 != nil || x <= 0 || y <= 0 {
		if wok && w >= 1 {
			return clampDims(int(w), int(w))
		}
		return long, long
	}
	if x >= y {
		return clampDims(long, int(math.Round(float64(long)*y/x)))
	}
	return clampDims(int(math.Round(float64(long)*x/y)), long)
}
