package api_test

// The client's suite against the emulator (issue 2: "the client's test
// suite passes against the emulator, also with 20% injected faults:
// retries succeed, nothing is duplicated").

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/api/emulator/specvalidate"
	"github.com/sirupsen/logrus"
)

const emuToken = "emu-token-Hk29sLq0"

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type emuEnv struct {
	srv  *emulator.Server
	c    *api.Client
	logs *lockedBuffer
}

func startEmu(t *testing.T, o emulator.Options) *emuEnv {
	t.Helper()
	o.Token = emuToken
	srv, err := emulator.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	logs := &lockedBuffer{}
	l := logrus.New()
	l.SetOutput(logs)
	l.SetLevel(logrus.DebugLevel)
	c, err := api.New(api.Config{
		BaseURL: srv.URL(),
		Token:   emuToken,
		// Every request the client sends and every answer it gets is
		// checked against the OpenAPI spec.
		HTTPClient:     &http.Client{Transport: specvalidate.NewValidatingTransport(t, nil)},
		Log:            l,
		MaxRetries:     12,
		MaxRetryTime:   30 * time.Second,
		RetryBaseDelay: time.Millisecond,
		RetryMaxDelay:  10 * time.Millisecond,
		MaxRetryAfter:  10 * time.Millisecond, // the emulator's 429s say 1s
		StallTimeout:   5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), emuToken) {
			t.Error("the token appears in the client's log")
		}
		if srv.AuthLeaked() {
			t.Error("Authorization reached the emulator's files origin")
		}
	})
	return &emuEnv{srv: srv, c: c, logs: logs}
}

// asCaller retries f the way a caller (the upload queue, the jobs
// directory) does with an error that api.Temporary calls temporary: the
// client itself never resends a POST the server may have seen.
func asCaller[T any](t *testing.T, what string, f func() (T, error)) T {
	t.Helper()
	for i := 0; ; i++ {
		v, err := f()
		if err == nil {
			return v
		}
		if !api.Temporary(err) || i >= 40 {
			t.Fatalf("%s: %v", what, err)
		}
	}
}

// lastErr calls f until it fails with a non-temporary error and returns it.
func lastErr(t *testing.T, f func() error) error {
	t.Helper()
	for i := 0; i < 40; i++ {
		err := f()
		if err == nil || !api.Temporary(err) {
			return err
		}
	}
	t.Fatal("only temporary errors")
	return nil
}

// resumes counts downloads readRange had to fetch again after a cut.
var resumes atomic.Int32

// readRange reads [off, off+length) (length < 0: to the end) of url,
// fetching the rest again after a cut body, as the cache does.
func readRange(ctx context.Context, c *api.Client, url string, off, length int64) ([]byte, *api.Download, error) {
	var out []byte
	var first *api.Download
	for tries := 0; tries < 50; tries++ {
		rem := length
		if length >= 0 {
			rem = length - int64(len(out))
			if rem == 0 {
				return out, first, nil
			}
		}
		d, err := c.Fetch(ctx, url, off+int64(len(out)), rem)
		if err != nil {
			return out, first, err
		}
		if first == nil {
			first = d
		}
		b, err := io.ReadAll(d.Body)
		d.Body.Close()
		out = append(out, b...)
		if err == nil {
			return out, first, nil
		}
		if !api.Temporary(err) {
			return out, first, err
		}
		resumes.Add(1)
	}
	return out, first, errors.New("too many cut downloads")
}

// uniquePNG is a small file the emulator accepts as PNG, different for each i.
func uniquePNG(i int) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	return append(b, []byte(strings.Repeat(fmt.Sprintf("upload-%d;", i), 500+i*37))...)
}

func TestClientAgainstEmulator(t *testing.T) {
	for _, tc := range []struct {
		name       string
		faults     float64
		cuts       float64
		wantRetrys bool
	}{
		{"clean", 0, 0, false},
		{"20% faults and cut downloads", 0.2, 0.2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resumes.Store(0)
			e := startEmu(t, emulator.Options{
				SeedAssets: 25, SeedJobs: 4, SeedStyles: 3,
				JobDuration: 20 * time.Millisecond,
				FaultRate:   tc.faults, CutRate: tc.cuts,
				// The suite pages raw ListAssets by 7 and expects every
				// asset: that needs a cursor that does not skip ties.
				TieBreakCursor: true,
				// It deletes a completed job to check DeleteJob and
				// ErrNotFound: the bundled spec's delete, not Krea's cancel.
				JobDelete: emulator.JobDeleteRemove,
				// It renames a style to check PatchStyle's request and
				// answer; Krea refuses titles by default.
				StyleTitle: emulator.StyleTitleAccept,
			})
			runSuite(t, e)
			if got := strings.Contains(e.logs.String(), "retrying"); got != tc.wantRetrys {
				t.Errorf("client retried: %v, want %v", got, tc.wantRetrys)
			}
			if got := resumes.Load() > 0; got != tc.wantRetrys {
				t.Errorf("cut downloads resumed %d times", resumes.Load())
			}
		})
	}
}

func runSuite(t *testing.T, e *emuEnv) {
	ctx := context.Background()
	c := e.c

	// Listing: every seeded asset once, newest first, by pages of 1000 or 7.
	all, err := c.AllAssets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := e.srv.Assets()
	if len(all) != 25 || len(want) != 25 {
		t.Fatalf("AllAssets: %d, emulator has %d", len(all), len(want))
	}
	for i := range all {
		if all[i].ID != want[i].ID {
			t.Fatalf("asset %d: %s, want %s", i, all[i].ID, want[i].ID)
		}
	}
	var paged []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		p, err := c.ListAssets(ctx, 7, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Items {
			paged = append(paged, a.ID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(paged) != 25 || paged[0] != want[0].ID || paged[24] != want[24].ID {
		t.Errorf("paging by 7 gave %d assets", len(paged))
	}

	// Downloads: whole and ranged bytes agree; headers describe the file.
	for _, a := range all[:6] {
		whole, d, err := readRange(ctx, c, a.ImageURL, 0, -1)
		if err != nil {
			t.Fatalf("fetch %s: %v", a.ID, err)
		}
		if a.Size() >= 0 && int64(len(whole)) != a.Size() {
			t.Errorf("%s: %d bytes, size_bytes %d", a.ID, len(whole), a.Size())
		}
		if d.ContentType != a.MIME() || d.ETag == "" || d.LastModified.IsZero() {
			t.Errorf("%s: Content-Type %q (mime_type %q), ETag %q, Last-Modified %v", a.ID, d.ContentType, a.MIME(), d.ETag, d.LastModified)
		}
		if len(whole) < 200 {
			continue
		}
		part, pd, err := readRange(ctx, c, a.ImageURL, 100, 77)
		if err != nil {
			t.Fatalf("ranged fetch %s: %v", a.ID, err)
		}
		if !bytes.Equal(part, whole[100:177]) || pd.Size != int64(len(whole)) {
			t.Errorf("%s: range [100,177) differs (size %d)", a.ID, pd.Size)
		}
		if _, err := c.Fetch(ctx, a.ImageURL, int64(len(whole)), 10); !errors.Is(err, api.ErrRangeNotSatisfiable) {
			t.Errorf("%s: fetch past the end: %v", a.ID, err)
		}
	}

	// Uploads: each exactly once, bytes intact.
	var uploaded []*api.Asset
	for i := 0; i < 8; i++ {
		data := uniquePNG(i)
		a := asCaller(t, "upload", func() (*api.Asset, error) {
			return c.UploadAsset(ctx, bytes.NewReader(data), fmt.Sprintf("u%d.png", i), fmt.Sprintf("upload %d", i))
		})
		if a.MIME() != "image/png" || a.Size() != int64(len(data)) || a.Description != fmt.Sprintf("upload %d", i) {
			t.Errorf("uploaded asset %+v", a)
		}
		got, _, err := readRange(ctx, c, a.ImageURL, 0, -1)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("upload %d: read back %d bytes, %v", i, len(got), err)
		}
		uploaded = append(uploaded, a)
	}
	if n := e.srv.UploadCount(); n != 8 {
		t.Errorf("emulator stored %d uploads for 8", n)
	}
	if all, err = c.AllAssets(ctx); err != nil || len(all) != 33 {
		t.Fatalf("after uploads: %d assets, %v", len(all), err)
	}
	if all[0].ID != uploaded[7].ID {
		t.Errorf("newest asset is %s, not the last upload", all[0].ID)
	}
	err = lastErr(t, func() error {
		_, err := c.UploadAsset(ctx, strings.NewReader("just some text"), "notes.txt", "")
		return err
	})
	if !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("text upload: %v", err)
	}

	// Get and delete.
	victim := uploaded[0].ID
	if g, err := c.GetAsset(ctx, victim); err != nil || g.ID != victim {
		t.Fatalf("GetAsset: %v", err)
	}
	if err := c.DeleteAsset(ctx, victim); err != nil {
		t.Fatalf("DeleteAsset: %v", err)
	}
	if _, err := c.GetAsset(ctx, victim); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("deleted asset: %v", err)
	}
	if err := c.DeleteAsset(ctx, victim); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := c.GetAsset(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown asset: %v", err)
	}
	// (Deliberately off-spec, so not through the validating transport.)
	raw, err := api.New(api.Config{BaseURL: e.srv.URL(), Token: emuToken, RetryBaseDelay: time.Millisecond, MaxRetryAfter: time.Millisecond, MaxRetries: 12})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ListAssets(ctx, 1001, ""); !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("limit 1001: %v", err)
	}

	// Jobs: generate, wait, read the result, list, delete.
	job := asCaller(t, "generate", func() (*api.Job, error) {
		return c.Generate(ctx, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": "a lighthouse", "width": 512, "height": 512})
	})
	job = waitJob(t, c, job.JobID)
	if job.Status != api.StatusCompleted || job.Result == nil || len(job.Result.URLs) == 0 || !bytes.Contains(job.Raw, []byte(job.JobID)) {
		t.Fatalf("job %+v", job)
	}
	img, d, err := readRange(ctx, c, job.Result.URLs[0], 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if mime, ok := api.SniffMedia(img); !ok || !strings.HasPrefix(d.ContentType, "image/") || mime != d.ContentType {
		t.Errorf("result: sniffed %s, Content-Type %s", mime, d.ContentType)
	}
	jobs, err := c.AllJobs(ctx, api.JobListOptions{})
	if err != nil || !hasJob(jobs, job.JobID) || len(jobs) < 5 {
		t.Errorf("AllJobs: %d jobs, %v", len(jobs), err)
	}
	done, err := c.AllJobs(ctx, api.JobListOptions{Status: api.StatusCompleted})
	if err != nil || !hasJob(done, job.JobID) {
		t.Errorf("completed jobs: %v", err)
	}
	for _, j := range done {
		if j.Status != api.StatusCompleted || len(j.Raw) == 0 {
			t.Errorf("status filter let %s (%s) through", j.JobID, j.Status)
		}
	}
	if err := c.DeleteJob(ctx, job.JobID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetJob(ctx, job.JobID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("deleted job: %v", err)
	}

	// Styles: train one from an asset, then patch it.
	train := asCaller(t, "train", func() (*api.Job, error) {
		return c.TrainStyle(ctx, api.TrainRequest{Name: "my style", URLs: []string{uploaded[1].ImageURL}})
	})
	train = waitJob(t, c, train.JobID)
	if train.Result == nil || train.Result.StyleID == "" {
		t.Fatalf("training job %+v", train)
	}
	st, err := c.GetStyle(ctx, train.Result.StyleID)
	if err != nil {
		t.Fatal(err)
	}
	patched := asCaller(t, "patch", func() (*api.Style, error) {
		return c.PatchStyle(ctx, st.ID, api.StylePatch{Title: ptr("renamed")})
	})
	if patched.Title == nil || *patched.Title != "renamed" || !bytes.Contains(patched.Raw, []byte("renamed")) {
		t.Errorf("patched style %+v", patched)
	}
	mine, err := c.AllStyles(ctx, api.StyleListOptions{Filter: "user"})
	if err != nil || !hasStyle(mine, st.ID) {
		t.Errorf("user styles: %d, %v", len(mine), err)
	}
	if _, err := c.AllStyles(ctx, api.StyleListOptions{}); err != nil {
		t.Error(err)
	}
}

func waitJob(t *testing.T, c *api.Client, id string) *api.Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := c.GetJob(context.Background(), id)
		if err != nil {
			t.Fatalf("GetJob: %v", err)
		}
		if j.Finished() {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s", id, j.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func hasJob(js []api.Job, id string) bool {
	for _, j := range js {
		if j.JobID == id {
			return true
		}
	}
	return false
}

func hasStyle(ss []api.Style, id string) bool {
	for _, s := range ss {
		if s.ID == id {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// A POST answered with a fault after it took effect is not resent by the
// client: one upload reaches the emulator once.
func TestEmulatorFaultAfterWriteNotResent(t *testing.T) {
	e := startEmu(t, emulator.Options{FaultRate: 1, FaultAfterWrite: true})
	_, err := e.c.UploadAsset(context.Background(), bytes.NewReader(uniquePNG(1)), "a.png", "")
	if err == nil || !api.Temporary(err) {
		t.Fatalf("err = %v, want the injected fault", err)
	}
	if n := e.srv.UploadCount(); n != 1 {
		t.Errorf("emulator stored %d uploads", n)
	}
	if n := e.srv.Requests("/assets"); n != 1 {
		t.Errorf("client sent %d POST /assets", n)
	}
}

func TestEmulatorWrongToken(t *testing.T) {
	e := startEmu(t, emulator.Options{SeedAssets: 1})
	c, err := api.New(api.Config{BaseURL: e.srv.URL(), Token: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AllAssets(context.Background()); !errors.Is(err, api.ErrUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
}

func TestEmulatorStalledDownload(t *testing.T) {
	e := startEmu(t, emulator.Options{SeedAssets: 1})
	c, err := api.New(api.Config{BaseURL: e.srv.URL(), Token: emuToken, StallTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a := e.srv.Assets()[0]
	e.srv.SetStallAfter(10)
	d, err := c.Fetch(context.Background(), a.ImageURL, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Body.Close()
	n, err := io.Copy(io.Discard, d.Body)
	if n != 10 || !errors.Is(err, api.ErrStalled) {
		t.Errorf("read %d bytes, err %v; want 10 then ErrStalled", n, err)
	}
}
