package queue

// The queue's short names for the on-disk records of package journal
// (internal/journal: the layout of Dir, the records and their checks, the
// claimed log).

import "github.com/kreafs/kreafs/cache/upload/queue/internal/journal"

type (
	record = journal.Record
	intent = journal.Intent
)

// Persisted states. "Held" and "Uploading" are not persisted: held is a
// function of the name, and an upload in progress is an intent.
const (
	stWriting  = journal.Writing
	stPending  = journal.Pending
	stFailed   = journal.Failed
	stUploaded = journal.Uploaded
	stCanceled = journal.Canceled
)
