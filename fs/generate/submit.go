package generate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	apispec "github.com/kreafs/kreafs/api/spec"
	"github.com/kreafs/kreafs/cache/state"
)

// Poster sends the requests that spend credits; *api.Client satisfies it.
type Poster interface {
	Generate(ctx context.Context, path string, body any) (*api.Job, error)
	TrainStyleBody(ctx context.Context, body any) (*api.Job, error)
}

var _ Poster = (*api.Client)(nil)

// Errors of Submit besides ErrInvalid (nothing sent) and
// state.ErrAlreadySubmitted (this request was sent before).
var (
	// ErrRefused: Krea refused the request (400, 402, 422, ...), or it was
	// never sent (no connection); nothing started and saving the file
	// again sends it again.
	ErrRefused = errors.New("refused")
	// ErrLost: the request may have reached Krea and its answer was lost;
	// whether a job started is unknown and it is never sent again.
	ErrLost = errors.New("unknown whether Krea received the request")
)

// Submitter starts jobs from request files: parse, resolve mount paths,
// validate, record (durably, before sending), POST once, record the
// outcome. Safe for concurrent use; one name is the fs adapter's to
// serialize (state.JobRequests refuses a second Begin anyway).
type Submitter struct {
	Requests *state.JobRequests
	API      Poster
	Paths    Paths
	Log      logrus.FieldLogger // nil: discard
}

func areaName(a Area) string {
	if a == Styles {
		return state.AreaStyles
	}
	return state.AreaJobs
}

// Submit handles the last close (or the rename into place) of the trigger
// file of directory name in area, whose content is data. It returns the
// job Krea started, or an error wrapping ErrInvalid, ErrRefused, ErrLost
// or state.ErrAlreadySubmitted; in every case but the last, the outcome
// (with the error's message) is recorded under name.
func (s *Submitter) Submit(ctx context.Context, a Area, name string, data []byte, r Resolver) (*api.Job, error) {
	area := areaName(a)
	log := s.logger().WithFields(logrus.Fields{"area": area, "name": name})
	if old, ok := s.Requests.Get(area, name); ok && old.State != state.Refused {
		return nil, state.ErrAlreadySubmitted
	}
	endpoint, body, err := s.prepare(a, name, data, r)
	if err != nil {
		s.refuse(log, area, name, endpoint, data, err)
		return nil, err
	}
	if err := s.Requests.Begin(area, name, endpoint, data); err != nil {
		log.WithError(err).Warn("generate: cannot record the request; not sent")
		return nil, err
	}
	var job *api.Job
	if a == Styles {
		job, err = s.API.TrainStyleBody(ctx, json.RawMessage(body))
	} else {
		job, err = s.API.Generate(ctx, endpoint, json.RawMessage(body))
	}
	switch {
	case err == nil:
		if serr := s.Requests.Started(area, name, job.JobID); serr != nil {
			log.WithError(serr).Error("generate: job started but its name could not be saved; it is listed under its id")
		}
		log.WithFields(logrus.Fields{"job": job.JobID, "endpoint": endpoint}).Info("generate: job started")
		return job, nil
	case api.AnswerLost(err):
		msg := "unknown whether Krea received the request (" + err.Error() + "); it is not sent again: look for a new job in jobs/, or make a new directory to try again"
		if serr := s.Requests.Lost(area, name, msg); serr != nil {
			log.WithError(serr).Error("generate: cannot record the lost answer")
		}
		log.WithError(err).Warn("generate: answer lost; not retried")
		return nil, fmt.Errorf("%w: %v", ErrLost, err)
	default:
		msg := refusal(err)
		// Refused by Krea or never sent: nothing started either way.
		if serr := s.Requests.Refuse(area, name, endpoint, data, msg); serr != nil {
			log.WithError(serr).Error("generate: cannot record the refusal")
		}
		log.WithField("reason", msg).Warn("generate: request refused")
		return nil, fmt.Errorf("%w: %s", ErrRefused, msg)
	}
}

// prepare parses, resolves and validates; it returns the endpoint path
// (known once parsed) and the body to send.
func (s *Submitter) prepare(a Area, name string, data []byte, r Resolver) (string, []byte, error) {
	var (
		endpoint string
		obj      map[string]any
		validate func([]byte) error
	)
	if a == Styles {
		t, err := ParseTrain(name, data)
		if err != nil {
			return apispec.TrainPath, nil, err
		}
		endpoint, obj, validate = apispec.TrainPath, t.Body, ValidateTrain
	} else {
		req, err := ParseRequest(data)
		if err != nil {
			return "", nil, err
		}
		endpoint, obj, validate = req.Path, req.Body, req.Validate
	}
	if r == nil {
		r = noResolver{}
	}
	body, _, err := s.Paths.Resolve(obj, r)
	if err != nil {
		return endpoint, nil, err
	}
	if err := validate(body); err != nil {
		return endpoint, nil, err
	}
	return endpoint, body, nil
}

func (s *Submitter) refuse(log logrus.FieldLogger, area, name, endpoint string, data []byte, err error) {
	if serr := s.Requests.Refuse(area, name, endpoint, data, err.Error()); serr != nil {
		log.WithError(serr).Error("generate: cannot record the refusal")
	}
	log.WithError(err).Warn("generate: request not sent")
}

// refusal is the error file's text for a refused or unsent request.
func refusal(err error) string {
	var e *api.Error
	if errors.As(err, &e) {
		return fmt.Sprintf("Krea refused the request (%d): %s", e.Status, e.Message)
	}
	return "not sent (" + err.Error() + "); save the file again to retry"
}

func (s *Submitter) logger() logrus.FieldLogger {
	if s.Log == nil {
		l := logrus.New()
		l.SetOutput(discard{})
		return l
	}
	return s.Log
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// noResolver resolves nothing (a mount without a tree to walk).
type noResolver struct{}

func (noResolver) FileURL(string) (string, error) {
	return "", errors.New("paths into the mount cannot be resolved here")
}
func (noResolver) StyleID(string) (string, error) {
	return "", errors.New("paths into the mount cannot be resolved here")
}
