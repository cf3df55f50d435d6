package view

import (
	"encoding/json"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestMediaExt(t *testing.T) {
	for _, tc := range []struct {
		url, ct, want string
	}{
		{"https://files.example/r/abc.png", "", "png"},
		{"https://files.example/r/abc.PNG?sig=x.jpg", "image/png", "png"},
		{"https://files.example/r/abc.jpeg", "image/png", "jpeg"}, // the URL wins
		{"https://files.example/r/abc", "image/webp", "webp"},
		{"https://files.example/r/abc", "video/mp4; codecs=x", "mp4"},
		{"https://files.example/r/abc", "", "bin"},
		{"https://files.example/r/abc", "text/html", "bin"},
		{"https://files.example/r/abc.", "image/png", "png"},
		{"https://files.example/r/.hidden", "image/png", "png"},
		{"https://files.example/r/a.b-c", "image/png", "png"}, // not an extension
		{"https://files.example/r/a.verylongext1", "", "bin"}, // longer than 10
		{"https://files.example/dir.png/", "image/webp", "png"},
		{"::not a url", "image/png", "png"},
		{"https://files.example/r/x%2Epng", "", "png"}, // escaped dot: path is decoded
	} {
		if got := MediaExt(tc.url, tc.ct); got != tc.want {
			t.Errorf("MediaExt(%q, %q) = %q, want %q", tc.url, tc.ct, got, tc.want)
		}
	}
}

func TestGeneratedNames(t *testing.T) {
	if got := ResultName(0, "png"); got != "result-0.png" {
		t.Errorf("ResultName = %q", got)
	}
	if got := ResultName(12, "mp4"); got != "result-12.mp4" {
		t.Errorf("ResultName = %q", got)
	}
	if got := PreviewName(3, "webp"); got != "preview-3.webp" {
		t.Errorf("PreviewName = %q", got)
	}
	if got := CoverName("jpg"); got != "cover.jpg" {
		t.Errorf("CoverName = %q", got)
	}
}

func TestStatusContent(t *testing.T) {
	for _, tc := range []struct{ status, want string }{
		{"queued", "queued\n"},
		{"completed", "completed\n"},
		{"intermediate-complete", "intermediate-complete\n"},
		{"", "unknown\n"},
		{"done\nrm -rf /", "unknown\n"},
		{"two words", "unknown\n"},
		{"bad\xffutf8", "unknown\n"},
		{string(make([]byte, 100)), "unknown\n"},
		{"\u202ecompleted", "unknown\n"},
	} {
		if got := string(StatusContent(tc.status)); got != tc.want {
			t.Errorf("StatusContent(%q) = %q, want %q", tc.status, got, tc.want)
		}
	}
}

func TestPrettyJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		want string
	}{
		{"compact object is indented", `{"job_id":"a","result":{"urls":["u"]}}`,
			"{\n  \"job_id\": \"a\",\n  \"result\": {\n    \"urls\": [\n      \"u\"\n    ]\n  }\n}\n"},
		{"missing raw uses the fallback", ``, "{\n  \"x\": 1\n}\n"},
		{"broken raw uses the fallback", `{"job_id":`, "{\n  \"x\": 1\n}\n"},
	} {
		got := string(PrettyJSON(json.RawMessage(tc.raw), map[string]int{"x": 1}))
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestJobError(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  api.Job
		want string
	}{
		{"result.error", api.Job{Result: &api.JobResult{Error: "nsfw"}}, "nsfw"},
		{"top-level error string", api.Job{Raw: json.RawMessage(`{"error":"boom"}`)}, "boom"},
		{"top-level error object", api.Job{Raw: json.RawMessage(`{"error":{"message":"deep"}}`)}, "deep"},
		{"message", api.Job{Raw: json.RawMessage(`{"message":"msg"}`)}, "msg"},
		{"none", api.Job{Raw: json.RawMessage(`{"status":"failed"}`)}, ""},
		{"no raw", api.Job{}, ""},
	} {
		if got := JobError(&tc.job); got != tc.want {
			t.Errorf("%s: JobError = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestJobStyleTarget(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  api.Job
		want string
	}{
		{"completed training", api.Job{Status: "completed", Result: &api.JobResult{StyleID: "s1"}}, "../../styles/s1"},
		{"still training", api.Job{Status: "processing", Result: &api.JobResult{StyleID: "s1"}}, ""},
		{"generation", api.Job{Status: "completed", Result: &api.JobResult{URLs: []string{"u"}}}, ""},
		{"no result", api.Job{Status: "completed"}, ""},
		{"hostile style id", api.Job{Status: "completed", Result: &api.JobResult{StyleID: "../../../etc"}}, ""},
		{"dot dot", api.Job{Status: "completed", Result: &api.JobResult{StyleID: ".."}}, ""},
	} {
		if got := JobStyleTarget(&tc.job); got != tc.want {
			t.Errorf("%s: JobStyleTarget = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSameJob(t *testing.T) {
	a := api.Job{Status: "processing", Raw: json.RawMessage(`{"status":"processing"}`)}
	b := api.Job{Status: "completed", Raw: json.RawMessage(`{"status":"completed"}`)}
	if SameJob(&a, &b) {
		t.Error("different status counted as the same job")
	}
	if !SameJob(&a, &a) {
		t.Error("a job differs from itself")
	}
	c := api.Job{Status: "completed", Result: &api.JobResult{URLs: []string{"x"}}}
	d := api.Job{Status: "completed", Result: &api.JobResult{URLs: []string{"x", "y"}}}
	if SameJob(&c, &d) {
		t.Error("different results counted as the same job")
	}
}
