package api

import (
	"encoding/json"
	"io"
	"time"
)

// Asset is one uploaded file of the account (GET /assets, GET /assets/{id}).
//
// Nullable numbers of the spec are pointers; unknown fields are ignored.
type Asset struct {
	ID          string          `json:"id"`
	ImageURL    string          `json:"image_url"`
	UploadedAt  time.Time       `json:"uploaded_at"`
	Width       *float64        `json:"width"`
	Height      *float64        `json:"height"`
	SizeBytes   *float64        `json:"size_bytes"`
	MIMEType    *string         `json:"mime_type"`
	Description string          `json:"description,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
}

// Size returns size_bytes as an integer, or -1 when the API did not say
// (null, negative or absurd values).
func (a *Asset) Size() int64 {
	if a.SizeBytes == nil || *a.SizeBytes < 0 || *a.SizeBytes > 1<<50 {
		return -1
	}
	return int64(*a.SizeBytes)
}

// MIME returns mime_type, or "" when null.
func (a *Asset) MIME() string {
	if a.MIMEType == nil {
		return ""
	}
	return *a.MIMEType
}

// AssetPage is one page of GET /assets.
type AssetPage struct {
	Items      []Asset
	NextCursor string // "" on the last page
}

// Job statuses the spec names.
const (
	StatusBacklogged           = "backlogged"
	StatusQueued               = "queued"
	StatusScheduled            = "scheduled"
	StatusProcessing           = "processing"
	StatusSampling             = "sampling"
	StatusIntermediateComplete = "intermediate-complete"
	StatusCompleted            = "completed"
	StatusFailed               = "failed"
	StatusCancelled            = "cancelled"
)

// Job is a generation or training job (GET /jobs/{id}, POST /generate/..., POST /styles/train).
type Job struct {
	JobID       string     `json:"job_id"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Result      *JobResult `json:"result"`
	// Raw is the object exactly as the API returned it (for job.json).
	Raw json.RawMessage `json:"-"`
}

// Finished reports whether the job will not change any more.
func (j *Job) Finished() bool {
	switch j.Status {
	case StatusCompleted, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// JobResult is the result of a completed job. Error fields are not in the
// spec; the emulator and (we assume) Krea put a failure reason in "error".
type JobResult struct {
	URLs    []string `json:"urls,omitempty"`
	StyleID string   `json:"style_id,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// JobPage is one page of GET /jobs.
type JobPage struct {
	Items      []Job
	NextCursor string
}

// JobListOptions filters GET /jobs. Zero values are omitted.
type JobListOptions struct {
	Limit  int
	Cursor string
	Status string
	Types  []string
}

// Style is a style (LoRA) (GET /styles, GET /styles/{id}).
type Style struct {
	ID        string      `json:"id"`
	Title     *string     `json:"title"`
	URLs      []string    `json:"urls"`
	Public    bool        `json:"public"`
	CoverURL  *string     `json:"cover_url,omitempty"`
	Prompt    string      `json:"prompt"`
	Models    []string    `json:"models,omitempty"`
	Owner     *StyleOwner `json:"owner"`
	LikeCount float64     `json:"like_count"`
	CreatedAt string      `json:"created_at"`
	// Raw is the object exactly as the API returned it (for style.json).
	Raw json.RawMessage `json:"-"`
}

// StyleOwner is the creator of a style; nil for Krea-official styles.
type StyleOwner struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	AvatarURL *string `json:"avatar_url,omitempty"`
}

// StylePage is one page of GET /styles.
type StylePage struct {
	Items      []Style
	NextCursor string
}

// StyleListOptions filters GET /styles. Zero values are omitted.
type StyleListOptions struct {
	Limit  int
	Cursor string
	Filter string // all, user, community, krea, shared, ...
	IDs    []string
	Model  string
	User   string
	Liked  bool
}

// StylePatch is the body of PATCH /styles/{id}; nil fields are not sent.
type StylePatch struct {
	Public   *bool    `json:"public,omitempty"`
	URLs     []string `json:"urls,omitempty"`
	Title    *string  `json:"title,omitempty"`
	CoverURL *string  `json:"cover_url,omitempty"`
}

// TrainRequest is the body of POST /styles/train.
type TrainRequest struct {
	Model         string   `json:"model,omitempty"`
	Type          string   `json:"type,omitempty"`
	Name          string   `json:"name"`
	URLs          []string `json:"urls"`
	TriggerWord   string   `json:"trigger_word,omitempty"`
	LearningRate  float64  `json:"learning_rate,omitempty"`
	MaxTrainSteps int      `json:"max_train_steps,omitempty"`
	BatchSize     int      `json:"batch_size,omitempty"`
}

// Download is the answer of a file host (an asset's image_url, a job result
// URL) to a possibly ranged GET. The caller closes Body.
type Download struct {
	Body         io.ReadCloser
	Offset       int64 // position of Body's first byte in the object
	Length       int64 // bytes Body will yield; -1 when unknown
	Size         int64 // whole object's size; -1 when unknown
	ContentType  string
	ETag         string
	LastModified time.Time
}
