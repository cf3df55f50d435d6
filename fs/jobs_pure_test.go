package fs

import (
	"encoding/json"
	"testing"
	"time"

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
		if got := mediaExt(tc.url, tc.ct); got != tc.want {
			t.Errorf("mediaExt(%q, %q) = %q, want %q", tc.url, tc.ct, got, tc.want)
		}
	}
}

func TestGeneratedNames(t *testing.T) {
	if got := resultName(0, "png"); got != "result-0.png" {
		t.Errorf("resultName = %q", got)
	}
	if got := resultName(12, "mp4"); got != "result-12.mp4" {
		t.Errorf("resultName = %q", got)
	}
	if got := previewName(3, "webp"); got != "preview-3.webp" {
		t.Errorf("previewName = %q", got)
	}
	if got := coverName("jpg"); got != "cover.jpg" {
		t.Errorf("coverName = %q", got)
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
		if got := string(statusContent(tc.status)); got != tc.want {
			t.Errorf("statusContent(%q) = %q, want %q", tc.status, got, tc.want)
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
		got := string(prettyJSON(json.RawMessage(tc.raw), map[string]int{"x": 1}))
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
		if got := jobError(&tc.job); got != tc.want {
			t.Errorf("%s: jobError = %q, want %q", tc.name, got, tc.want)
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
		if got := jobStyleTarget(&tc.job); got != tc.want {
			t.Errorf("%s: jobStyleTarget = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSameJob(t *testing.T) {
	a := api.Job{Status: "processing", Raw: json.RawMessage(`{"status":"processing"}`)}
	b := api.Job{Status: "completed", Raw: json.RawMessage(`{"status":"completed"}`)}
	if sameJob(&a, &b) {
		t.Error("different status counted as the same job")
	}
	if !sameJob(&a, &a) {
		t.Error("a job differs from itself")
	}
	c := api.Job{Status: "completed", Result: &api.JobResult{URLs: []string{"x"}}}
	d := api.Job{Status: "completed", Result: &api.JobResult{URLs: []string{"x", "y"}}}
	if sameJob(&c, &d) {
		t.Error("different results counted as the same job")
	}
}

func TestPollScheduleDelay(t *testing.T) {
	s := defaultPollSchedule
	want := []time.Duration{
		2 * time.Second,
		2500 * time.Millisecond,
		3125 * time.Millisecond,
		3906250 * time.Microsecond,
		4 * time.Second,
		4 * time.Second,
	}
	for i, w := range want {
		if got := s.delay(i); got != w {
			t.Errorf("delay(%d) = %v, want %v", i, got, w)
		}
	}
	if got := s.delay(1000); got != s.Max {
		t.Errorf("delay(1000) = %v, want the cap %v", got, s.Max)
	}
	// The promise of docs/jobs-and-styles.md: no gap between polls is
	// longer than 4s, so a result shows within ~5s of completing.
	if s.Max > 4*time.Second {
		t.Errorf("cap %v breaks the 5 s promise", s.Max)
	}
}

func TestPollScheduleBacksOffForLongJobs(t *testing.T) {
	s := defaultPollSchedule
	// Before Long, next is delay: Krea's 2 to 5 s while a job is pending.
	for i := 0; i < 40; i++ {
		if got := s.next(i, s.Long-time.Second, s.Max); got != s.delay(i) {
			t.Errorf("next(%d) before Long = %v, want %v", i, got, s.delay(i))
		}
		if d := s.delay(i); d < 2*time.Second || d > 5*time.Second {
			t.Errorf("delay(%d) = %v, outside Krea's 2-5 s", i, d)
		}
	}
	// Past Long, each wait is Factor times the one before, up to LongMax.
	last := s.Max
	var waits []time.Duration
	for i := 0; i < 20; i++ {
		last = s.next(100+i, s.Long+time.Duration(i)*time.Minute, last)
		waits = append(waits, last)
	}
	if waits[0] != 5*time.Second {
		t.Errorf("first wait past Long = %v, want 5s (4s x 1.25)", waits[0])
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] || waits[i] > s.LongMax {
			t.Errorf("waits past Long %v: not growing to at most %v", waits, s.LongMax)
			break
		}
	}
	if waits[len(waits)-1] != s.LongMax {
		t.Errorf("waits past Long end at %v, want the cap %v", waits[len(waits)-1], s.LongMax)
	}
}
