package state

// Jobs started from files of a mount (jobs/NAME/request.json,
// styles/NAME/train.json): Krea has no job names, so the name a user gave
// a request's directory, the request as written, and what became of it
// are kept here, per account (scope), and survive remounts.
//
// A request goes through these states, and no other way:
//
//	(none or refused) --Begin--> submitting --Started--> started (has a job id)
//	                                        --Refused--> refused (has an error)
//	                                        --Unknown--> unknown
//
// "submitting" is saved before the POST is sent; a mount that finds it at
// open (kreafs died during the POST) turns it into "unknown": whether Krea
// got the request cannot be told, and it is never sent again. Only a
// refused request may Begin again (the user edited and saved it), so one
// request file starts at most one job.
//
// Consistency: every change rewrites the whole file atomically and durably
// (durable.WriteFile) before it returns, so a crash leaves the old or the
// new file; a change whose save fails is undone and returned as an error.
// The file is 0600 in a 0700 directory. A damaged file is reported by
// OpenJobRequests and the set starts empty.
//
// Locking: JobRequests.mu guards the map and every write of the file.

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// RequestState is where a request file stands.
type RequestState string

const (
	Submitting RequestState = "submitting" // saved, POST under way
	Unknown    RequestState = "unknown"    // the POST may have reached Krea; its answer was lost
	Refused    RequestState = "refused"    // invalid, or refused by Krea: Error says why
	Started    RequestState = "started"    // Krea answered with JobID
)

// Request areas.
const (
	AreaJobs   = "jobs"
	AreaStyles = "styles"
)

// JobRequest is one named request of a mount.
type JobRequest struct {
	Area     string       `json:"area"`               // AreaJobs or AreaStyles
	Name     string       `json:"name"`               // the directory's name
	State    RequestState `json:"state"`              // see the type
	JobID    string       `json:"job_id,omitempty"`   // when Started
	Error    string       `json:"error,omitempty"`    // when Refused or Unknown
	Endpoint string       `json:"endpoint,omitempty"` // "/generate/image/bfl/flux-1-dev", "/styles/train"
	Request  []byte       `json:"request,omitempty"`  // the file as the user wrote it (base64 in the file: kept byte for byte)
	Updated  time.Time    `json:"updated"`
}

// ErrAlreadySubmitted is returned by Begin for a request that was sent (or
// may have been): it is never sent again.
var ErrAlreadySubmitted = errors.New("this request was already sent to Krea; make a new directory to start another job")

// JobRequests is the persistent set of named requests of one account. A
// nil *JobRequests is empty and refuses changes.
type JobRequests struct {
	mu   sync.Mutex
	path string // "" keeps it in memory only
	reqs map[string]*JobRequest
	now  func() time.Time
}

type jobRequestsDoc struct {
	Version  int           `json:"version"`
	Requests []*JobRequest `json:"requests"`
}

// JobRequestsPath is the file for the account scope under stateDir.
func JobRequestsPath(stateDir, scope string) string {
	return scopedPath(stateDir, "job-requests-", scope, ".json")
}

func requestKey(area, name string) string { return area + "/" + name }

// OpenJobRequests loads the set at path ("": in memory only). Requests
// found "submitting" become "unknown" (and the file is saved so). A
// damaged file gives an empty set AND an error saying so.
func OpenJobRequests(path string) (*JobRequests, error) {
	j := &JobRequests{path: path, reqs: map[string]*JobRequest{}, now: time.Now}
	if path == "" {
		return j, nil
	}
	var doc jobRequestsDoc
	if err := readJSONFile(path, "job requests", "starting with no named jobs", &doc); err != nil {
		return j, err
	}
	interrupted := false
	for _, r := range doc.Requests {
		if r == nil || r.Name == "" || r.Area == "" {
			continue
		}
		if r.State == Submitting {
			r.State = Unknown
			r.Error = "kreafs stopped while sending this request: Krea may or may not have started the job (see jobs/ for a new job); it is not sent again"
			interrupted = true
		}
		j.reqs[requestKey(r.Area, r.Name)] = r
	}
	if interrupted {
		j.mu.Lock()
		defer j.mu.Unlock()
		if err := j.saveLocked(); err != nil {
			return j, err
		}
	}
	return j, nil
}

// Get returns a copy of the request area/name.
func (j *JobRequests) Get(area, name string) (JobRequest, bool) {
	if j == nil {
		return JobRequest{}, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.reqs[requestKey(area, name)]
	if !ok {
		return JobRequest{}, false
	}
	return *r, true
}

// ByJobID returns the request that started job id.
func (j *JobRequests) ByJobID(id string) (JobRequest, bool) {
	if j == nil || id == "" {
		return JobRequest{}, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range j.reqs {
		if r.JobID == id {
			return *r, true
		}
	}
	return JobRequest{}, false
}

// List returns the requests of area, by name.
func (j *JobRequests) List(area string) []JobRequest {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []JobRequest
	for _, r := range j.reqs {
		if r.Area == area {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Begin records that the request area/name (endpoint, the file as written)
// is about to be sent, durably, before the caller sends it. It refuses
// (ErrAlreadySubmitted) a request that is submitting, started or unknown.
func (j *JobRequests) Begin(area, name, endpoint string, request []byte) error {
	if j == nil {
		return errors.New("cache: job requests: no set")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	k := requestKey(area, name)
	old, had := j.reqs[k]
	if had && old.State != Refused {
		return ErrAlreadySubmitted
	}
	j.reqs[k] = &JobRequest{Area: area, Name: name, State: Submitting, Endpoint: endpoint,
		Request: append([]byte(nil), request...), Updated: j.now().UTC()}
	if err := j.saveLocked(); err != nil {
		j.restoreLocked(k, old, had)
		return err
	}
	return nil
}

// Refuse records a request refused before or by Krea (nothing started):
// it may Begin again. It also records a refusal of a request never begun
// (invalid before sending), keeping request as written.
func (j *JobRequests) Refuse(area, name, endpoint string, request []byte, reason string) error {
	return j.finish(area, name, func(r *JobRequest) error {
		if r.State == Started || r.State == Unknown {
			return ErrAlreadySubmitted
		}
		r.State, r.Error, r.JobID = Refused, reason, ""
		if endpoint != "" {
			r.Endpoint = endpoint
		}
		if request != nil {
			r.Request = append([]byte(nil), request...)
		}
		return nil
	}, true)
}

// Started records the job Krea started for a submitting request.
func (j *JobRequests) Started(area, name, jobID string) error {
	return j.answered(area, name, Started, jobID, "")
}

// Lost records that a submitting request's answer was lost: unknown
// whether Krea started a job; never sent again.
func (j *JobRequests) Lost(area, name, reason string) error {
	return j.answered(area, name, Unknown, "", reason)
}

// answered moves a submitting request to state st.
func (j *JobRequests) answered(area, name string, st RequestState, jobID, reason string) error {
	return j.finish(area, name, func(r *JobRequest) error {
		if r.State != Submitting {
			return fmt.Errorf("cache: job requests: %s/%s is %s, not submitting", area, name, r.State)
		}
		r.State, r.JobID, r.Error = st, jobID, reason
		return nil
	}, false)
}

// Remove forgets area/name (the user removed its directory).
func (j *JobRequests) Remove(area, name string) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	k := requestKey(area, name)
	old, had := j.reqs[k]
	if !had {
		return nil
	}
	delete(j.reqs, k)
	if err := j.saveLocked(); err != nil {
		j.restoreLocked(k, old, had)
		return err
	}
	return nil
}

func (j *JobRequests) finish(area, name string, change func(*JobRequest) error, create bool) error {
	if j == nil {
		return errors.New("cache: job requests: no set")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	k := requestKey(area, name)
	old, had := j.reqs[k]
	var r JobRequest
	switch {
	case had:
		r = *old
	case create:
		r = JobRequest{Area: area, Name: name}
	default:
		return fmt.Errorf("cache: job requests: no request %s/%s", area, name)
	}
	if err := change(&r); err != nil {
		return err
	}
	r.Updated = j.now().UTC()
	j.reqs[k] = &r
	if err := j.saveLocked(); err != nil {
		j.restoreLocked(k, old, had)
		return err
	}
	return nil
}

func (j *JobRequests) restoreLocked(k string, old *JobRequest, had bool) {
	if had {
		j.reqs[k] = old
	} else {
		delete(j.reqs, k)
	}
}

// saveLocked writes the set atomically. Called with mu held.
func (j *JobRequests) saveLocked() error {
	if j.path == "" {
		return nil
	}
	doc := jobRequestsDoc{Version: 1, Requests: make([]*JobRequest, 0, len(j.reqs))}
	for _, r := range j.reqs {
		doc.Requests = append(doc.Requests, r)
	}
	sort.Slice(doc.Requests, func(a, b int) bool {
		return requestKey(doc.Requests[a].Area, doc.Requests[a].Name) < requestKey(doc.Requests[b].Area, doc.Requests[b].Name)
	})
	return writeJSONFile(j.path, "job requests", doc)
}

// JobRequests opens the account's named requests (kept in memory only
// without a path; see OpenJobRequests for a damaged file).
func (d *Dir) JobRequests() (*JobRequests, error) {
	if d.path == "" {
		return OpenJobRequests("")
	}
	return OpenJobRequests(JobRequestsPath(d.path, d.scope))
}
