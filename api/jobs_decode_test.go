package api

import (
	"encoding/json"
	"testing"
)

// The job shapes of Krea's job-lifecycle and image-to-image pages decode:
// "type", "result": {} while running, "completed_at": null, every
// documented state, an intermediate result, and a state nobody
// documented (kept verbatim, not finished).
func TestDocumentedJobShapesDecode(t *testing.T) {
	for _, tc := range []struct {
		raw      string
		status   string
		finished bool
		urls     int
	}{
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"queued","type":"externalImage","created_at":"2026-02-13T02:20:58.265Z","completed_at":null,"result":{}}`, "queued", false, 0},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"backlogged","created_at":"2026-02-13T02:20:58.265Z","completed_at":null,"result":{}}`, "backlogged", false, 0},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"scheduled","created_at":"2026-02-13T02:20:58.265Z","completed_at":null,"result":{}}`, "scheduled", false, 0},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"processing","created_at":"2026-02-13T02:20:58.265Z","completed_at":null,"result":{}}`, "processing", false, 0},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"sampling","created_at":"2026-02-13T02:20:58.265Z","completed_at":null,"result":{}}`, "sampling", false, 0},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"intermediate-complete","type":"externalImage","created_at":"2026-02-13T02:20:58.265Z","completed_at":null,"result":{"urls":["https://gen.krea.ai/images/x-intermediate.png"]}}`, "intermediate-complete", false, 1},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"upscaling","created_at":"2026-02-13T02:20:58.265Z","completed_at":null,"result":{}}`, "upscaling", false, 0},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"completed","type":"externalImage","created_at":"2026-02-13T02:20:58.265Z","completed_at":"2026-02-13T02:21:09.001Z","result":{"urls":["https://gen.krea.ai/images/x.png"]}}`, "completed", true, 1},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"failed","created_at":"2026-02-13T02:20:58.265Z","completed_at":"2026-02-13T02:21:09.001Z","result":{"error":"NSFW content detected"}}`, "failed", true, 0},
		{`{"job_id":"4d0e5f97-9721-4422-b88c-73a9032d7de1","status":"cancelled","created_at":"2026-02-13T02:20:58.265Z","completed_at":"2026-02-13T02:21:09.001Z","result":{}}`, "cancelled", true, 0},
	} {
		j, err := decodeJob(json.RawMessage(tc.raw))
		if err != nil {
			t.Errorf("%s: %v", tc.status, err)
			continue
		}
		if j.Status != tc.status || j.Finished() != tc.finished {
			t.Errorf("%s: status %q finished %v, want %q %v", tc.status, j.Status, j.Finished(), tc.status, tc.finished)
		}
		n := 0
		if j.Result != nil {
			n = len(j.Result.URLs)
		}
		if n != tc.urls {
			t.Errorf("%s: %d result urls, want %d", tc.status, n, tc.urls)
		}
		if !tc.finished && j.CompletedAt != nil {
			t.Errorf("%s: completed_at null decoded as %v", tc.status, j.CompletedAt)
		}
		if string(j.Raw) != tc.raw {
			t.Errorf("%s: Raw not kept as sent", tc.status)
		}
	}
}
