package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator/spec"
	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api/emulator/internal/media"
	"github.com/kreafs/kreafs/api/emulator/internal/order"
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

// jobJSON is a job as GET /jobs and GET /jobs/{id} return it, in the shape
// of Krea's examples: "type", "completed_at": null until the job ends, and
// "result": {} while there is nothing to show yet.
type jobJSON struct {
	JobID       string         `json:"job_id"`
	Status      string         `json:"status"`
	Type        string         `json:"type"`
	CreatedAt   order.MsTime   `json:"created_at"`
	CompletedAt *order.MsTime  `json:"completed_at"`
	Result      *api.JobResult `json:"result"`
}

// newJobJSON is the answer to a POST that creates a job: completed_at and
// result are present and null, as the spec requires.
type newJobJSON struct {
	JobID       string        `json:"job_id"`
	Status      string        `json:"status"`
	Type        string        `json:"type"`
	CreatedAt   order.MsTime  `json:"created_at"`
	CompletedAt *order.MsTime `json:"completed_at"`
	Result      *struct{}     `json:"result"`
}

// start is when the job leaves "backlogged".
func (j *jobRec) start() time.Time {
	if j.StartAt.IsZero() {
		return j.CreatedAt
	}
	return j.StartAt
}

// end is when the job finishes (to the millisecond, like every timestamp):
// when it was cancelled, else its start plus its duration.
func (j *jobRec) end() time.Time {
	if !j.Cancelled.IsZero() {
		return j.Cancelled
	}
	return j.start().Add(j.Duration).Truncate(time.Millisecond)
}

// previewAt is when the intermediate result appears (the job turns
// "intermediate-complete").
func (j *jobRec) previewAt() time.Time {
	return j.start().Add(j.Duration * 4 / 6).Truncate(time.Millisecond)
}

// statusAt is the job's status at now. After "backlogged" (only while it
// waits for a concurrency slot) its duration is cut in sixths: queued,
// scheduled, processing, sampling, intermediate-complete (with an
// intermediate result), and intermediate-complete again or extra (an
// undocumented state, Options.ExtraJobState); then completed or failed. A
// job that will fail has no intermediate result: it stays "sampling".
func (j *jobRec) statusAt(now time.Time, extra string) string {
	now = j.seenAt(now)
	if !j.Cancelled.IsZero() && !now.Before(j.Cancelled) {
		return api.StatusCancelled
	}
	if !now.Before(j.end()) {
		if j.Fail {
			return api.StatusFailed
		}
		return api.StatusCompleted
	}
	el := now.Sub(j.start())
	if el < 0 {
		return api.StatusBacklogged
	}
	switch phase := el * 6 / max(j.Duration, 1); {
	case phase < 1:
		return api.StatusQueued
	case phase < 2:
		return api.StatusScheduled
	case phase < 3:
		return api.StatusProcessing
	case phase < 4 || j.Fail:
		return api.StatusSampling
	case phase < 5 || extra == "":
		return api.StatusIntermediateComplete
	default:
		return extra
	}
}

// finished: the job will not change any more at now.
func (j *jobRec) finished(now time.Time) bool { return !j.seenAt(now).Before(j.end()) }

// seenAt is now as j sees it: never before its creation. Creation times
// are made distinct (autoTimeLocked: a millisecond past the last one), so
// jobs created within one millisecond may carry a created_at a little
// ahead of the clock; read at once, such a job is as old as created_at
// says, not "backlogged" (which only the concurrency limit makes it).
func (j *jobRec) seenAt(now time.Time) time.Time {
	if now.Before(j.CreatedAt) {
		return j.CreatedAt
	}
	return now
}

func (s *Server) jobJSONLocked(j *jobRec, now time.Time) jobJSON {
	out := jobJSON{JobID: j.ID, Status: j.statusAt(now, s.opt.ExtraJobState), Type: j.Type, CreatedAt: order.MsTime(j.CreatedAt), Result: &api.JobResult{}}
	if j.finished(now) {
		end := order.MsTime(j.end())
		out.CompletedAt = &end
	}
	switch out.Status {
	case api.StatusCompleted:
		out.Result.StyleID = j.StyleID
		for _, k := range j.Results {
			out.Result.URLs = append(out.Result.URLs, s.fileURL(k))
		}
	case api.StatusFailed:
		out.Result.Error = j.Error
	case api.StatusCancelled, api.StatusBacklogged, api.StatusQueued, api.StatusScheduled,
		api.StatusProcessing, api.StatusSampling:
	default: // intermediate-complete and the extra state
		if j.Preview != "" {
			out.Result.URLs = []string{s.fileURL(j.Preview)}
		}
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
		if !j.Fail && j.Cancelled.IsZero() {
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

// unfinishedEndsLocked returns, sorted, the end times of the jobs not yet
// finished at now.
func (s *Server) unfinishedEndsLocked(now time.Time) []time.Time {
	var ends []time.Time
	for _, j := range s.st.Jobs {
		if !j.finished(now) {
			ends = append(ends, j.end())
		}
	}
	slices.SortFunc(ends, time.Time.Compare)
	return ends
}

func (s *Server) handleListJobs(w http.ResponseWriter, r *http.Request) {
	limit, cur, hasCur, ok := s.listParams(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	if q.Has("status") && !jobStatuses[status] {
		s.writeError(w, http.StatusBadRequest, "invalid status "+strconv.Quote(status))
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
		return (status == "" || j.statusAt(now, s.opt.ExtraJobState) == status) && (types == nil || types[j.Type])
	}
	page, next := order.Paginate(s.st.Jobs, jobKey, keep, cur, hasCur, limit, s.opt.TieBreakCursor)
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
		s.writeError(w, http.StatusNotFound, "job not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleDeleteJob is DELETE /jobs/{id}; what it does is Options.JobDelete.
func (s *Server) handleDeleteJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.jobDelete() == JobDeleteRemove {
		if !s.RemoveJob(id) {
			s.writeError(w, http.StatusNotFound, "job not found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Job deleted"})
		return
	}
	s.mu.Lock()
	now := s.now()
	s.advanceLocked(now)
	j, ok := s.jobsByID[id]
	if !ok {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "job not found")
		return
	}
	status := j.statusAt(now, s.opt.ExtraJobState)
	cancellable := status == api.StatusQueued || status == api.StatusProcessing
	if s.jobDelete() == JobDeleteCancelPending {
		cancellable = !j.finished(now)
	}
	if !cancellable {
		s.mu.Unlock()
		s.log.WithFields(logrus.Fields{"op": "job", "id": id, "status": status}).Info("emulator: refused to cancel a job")
		s.writeError(w, http.StatusBadRequest, fmt.Sprintf("job cannot be cancelled: its status is %s; only queued or processing jobs can be cancelled", status))
		return
	}
	j.Cancelled = now.Truncate(time.Millisecond)
	if j.Cancelled.Before(j.CreatedAt) {
		j.Cancelled = j.CreatedAt
	}
	for _, k := range j.Results {
		s.dropFileLocked(k)
	}
	if j.Preview != "" {
		s.dropFileLocked(j.Preview)
	}
	j.Results, j.Preview = nil, ""
	s.markDirtyLocked()
	out := s.jobJSONLocked(j, now)
	s.mu.Unlock()
	s.log.WithFields(logrus.Fields{"op": "job", "id": id}).Info("emulator: job cancelled")
	writeJSON(w, http.StatusOK, out)
}

// readJSONBody reads and validates a JSON body against the spec operation
// of r, answering 400 itself. It returns the decoded object.
func (s *Server) readJSONBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "cannot read body: "+err.Error())
		return nil, false
	}
	if len(body) > maxJSONBody {
		s.writeError(w, http.StatusBadRequest, "body too large")
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		s.writeError(w, http.StatusBadRequest, "the request body must be a JSON object")
		return nil, false
	}
	if err := spec.ValidateJSONBody(r.Context(), r.Method, r.URL.Path, body); err != nil {
		// A validation error is 422 where errors are detail lists, as
		// in Krea's own helper code.
		status := http.StatusBadRequest
		if s.opt.ErrorShape == ErrorShapeDetailList {
			status = http.StatusUnprocessableEntity
		}
		s.writeError(w, status, "invalid request body: "+err.Error())
		return nil, false
	}
	return m, true
}

// handleGenerate is every POST /generate/... path of the spec.
func (s *Server) handleGenerate(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readJSONBody(w, r)
	if !ok {
		return
	}
	results := planResults(r.URL.Path, body)
	j := &jobRec{Type: path.Base(r.URL.Path), Path: r.URL.Path}
	s.createJob(w, j, results)
}

// handleTrain is POST /styles/train: a job whose completion creates a style.
func (s *Server) handleTrain(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readJSONBody(w, r)
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

// createJob records j (backlogging it, or refusing it with
// RefuseOverLimit, past the concurrency limit) and answers.
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
	j.CreatedAt = s.autoTimeLocked()
	if limit := int(s.maxJobs.Load()); limit > 0 {
		if ends := s.unfinishedEndsLocked(now); len(ends) >= limit {
			if s.opt.RefuseOverLimit {
				s.mu.Unlock()
				s.writeError(w, http.StatusTooManyRequests, fmt.Sprintf("maximum number of concurrent jobs reached (%d)", limit))
				return
			}
			// Backlogged until enough running jobs end to leave a slot.
			if free := ends[len(ends)-limit]; free.After(j.CreatedAt) {
				j.StartAt = free
			}
		}
	}
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
			s.prerender(key, b)
		}
		if len(results) > 0 && j.Duration > 0 {
			s.addPreviewLocked(j, seed)
		}
	}
	s.addJobLocked(j)
	s.markDirtyLocked()
	out := newJobJSON{JobID: j.ID, Status: j.statusAt(j.CreatedAt, s.opt.ExtraJobState), Type: j.Type, CreatedAt: order.MsTime(j.CreatedAt)}
	s.mu.Unlock()
	s.log.WithFields(logrus.Fields{"op": "job", "id": j.ID, "type": j.Type, "status": out.Status}).Info("emulator: job created")
	writeJSON(w, http.StatusOK, out)
}

// prerender renders a result file in the background, as Krea's file host
// has a result ready when its job completes: a GET right after completion
// then answers at once instead of encoding a large image first. Close
// waits for it (inflight).
func (s *Server) prerender(key string, b blob) {
	if b.Kind != blobPNG && b.Kind != blobJPEG {
		return
	}
	end := s.inflight.begin()
	go func() {
		defer end()
		if rc, _, err := s.openBlob(key, b); err == nil {
			rc.Close()
		}
	}()
}

// addPreviewLocked gives a generation its intermediate result: a small PNG
// readable from the moment the job turns intermediate-complete.
func (s *Server) addPreviewLocked(j *jobRec, seed uint64) {
	key := fmt.Sprintf("r/%s/intermediate.png", j.ID)
	s.st.Files[key] = &blob{Kind: blobPNG, W: 128, H: 128, Seed: seed ^ 0x5eed, ModTime: j.previewAt(), NotBefore: j.previewAt()}
	j.Preview = key
}

// planResults decides the result files of a generation from its path and
// body: images of the requested size (PNG, or JPEG where asked), a small
// real MP4 for video endpoints.
func planResults(p string, body map[string]any) []plannedResult {
	switch {
	case strings.HasPrefix(p, "/generate/video/"):
		return []plannedResult{{ext: "mp4", blob: blob{Kind: blobEmbed, Name: "sample.mp4"}}}
	case strings.HasPrefix(p, "/generate/enhance/"):
		w, h := media.RequestedSize(body)
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
		w, h := media.RequestedSize(body)
		if f, _ := body["output_format"].(string); f == "jpeg" || f == "jpg" {
			return []plannedResult{{ext: "jpg", blob: blob{Kind: blobJPEG, W: w, H: h}}}
		}
		return []plannedResult{{ext: "png", blob: blob{Kind: blobPNG, W: w, H: h}}}
	}
}
