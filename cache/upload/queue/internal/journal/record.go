package journal

import (
	"time"

	"github.com/kreafs/kreafs/api"
)

// Record is the journaled part of an item (a frame of the log, log.go). Field
// names are the on-disk format; bump Version on incompatible change.
type Record struct {
	V        int        `json:"v"`
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Gen      int        `json:"gen"` // spool generation: spool/<id>.<gen>
	Size     int64      `json:"size"`
	State    string     `json:"state"` // Writing, Pending, Failed, Uploaded or Canceled
	Replaces []string   `json:"replaces,omitempty"`
	Created  time.Time  `json:"created"`
	Modified time.Time  `json:"modified"`
	Written  time.Time  `json:"written,omitzero"` // the spool's mtime at the last close: its last write
	Attempts int        `json:"attempts,omitempty"`
	Err      string     `json:"err,omitempty"`
	ErrCode  int        `json:"err_status,omitempty"` // HTTP status of a refusal
	Intent   *Intent    `json:"intent,omitempty"`
	Asset    *api.Asset `json:"asset,omitempty"`  // Uploaded
	Delete   bool       `json:"delete,omitempty"` // made by DeleteAssets: no spool, only deletes
	Seq      uint64     `json:"seq,omitempty"`    // which of an item's two slot files is newer (legacy.go); 0 in the log
}

// Version is the record format written; ReadRecord refuses others.
const Version = 1

// Persisted states. "Held" and "Uploading" are not persisted: held is a
// function of the name, and an upload in progress is an intent.
const (
	Writing  = "writing"
	Pending  = "pending"
	Failed   = "failed"
	Uploaded = "uploaded"
	Canceled = "canceled"
)

// Intent is journaled (and fsynced) before every POST /assets, and cleared
// once the outcome is known. Finding one at startup, or after an ambiguous
// failure, means "this upload may have reached the server": the queue
// looks for it among the account's assets before sending it again.
type Intent struct {
	Marker  string    `json:"marker"`  // random, names the attempt in logs
	Started time.Time `json:"started"` // local clock, before the request
	Gen     int       `json:"gen"`
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
}

// Clone is a deep copy of r.
func (r *Record) Clone() Record {
	c := *r
	c.Replaces = append([]string(nil), r.Replaces...)
	if r.Intent != nil {
		in := *r.Intent
		c.Intent = &in
	}
	if r.Asset != nil {
		a := *r.Asset
		c.Asset = &a
	}
	return c
}
