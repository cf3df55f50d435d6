package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestANamedJobSurvivesARemountWithItsRequest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := JobRequestsPath(dir, "https://api.krea.ai")
	j, err := OpenJobRequests(path)
	if err != nil {
		t.Fatal(err)
	}
	req := []byte(`{"model": "image/bfl/flux-1-dev", "prompt": "a lighthouse"}`)
	if err := j.Begin(AreaJobs, "lighthouse", "/generate/image/bfl/flux-1-dev", req); err != nil {
		t.Fatal(err)
	}
	if err := j.Started(AreaJobs, "lighthouse", "job-1"); err != nil {
		t.Fatal(err)
	}
	if err := j.Begin(AreaStyles, "Ink", "/styles/train", []byte(`{"urls": []}`)); err != nil {
		t.Fatal(err)
	}
	if err := j.Refuse(AreaStyles, "Ink", "", nil, "402 You have run out of credits."); err != nil {
		t.Fatal(err)
	}

	again, err := OpenJobRequests(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := again.Get(AreaJobs, "lighthouse")
	if !ok || got.State != Started || got.JobID != "job-1" || string(got.Request) != string(req) || got.Endpoint != "/generate/image/bfl/flux-1-dev" {
		t.Fatalf("reopened: %+v", got)
	}
	if byID, ok := again.ByJobID("job-1"); !ok || byID.Name != "lighthouse" {
		t.Errorf("ByJobID: %+v", byID)
	}
	ink, _ := again.Get(AreaStyles, "Ink")
	if ink.State != Refused || !strings.Contains(ink.Error, "credits") || string(ink.Request) != `{"urls": []}` {
		t.Errorf("refused training: %+v", ink)
	}
	if l := again.List(AreaJobs); len(l) != 1 || l[0].Name != "lighthouse" {
		t.Errorf("List: %+v", l)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file: %v %v", fi, err)
	}
	// Another account sharing the state directory sees none of it.
	other, _ := OpenJobRequests(JobRequestsPath(dir, "http://127.0.0.1:8787"))
	if _, ok := other.Get(AreaJobs, "lighthouse"); ok {
		t.Error("another account sees the name")
	}
}

func TestOneRequestStartsAtMostOneJob(t *testing.T) {
	j, _ := OpenJobRequests(filepath.Join(t.TempDir(), "r.json"))
	if err := j.Begin(AreaJobs, "x", "/generate/a/b", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := j.Begin(AreaJobs, "x", "/generate/a/b", []byte(`{}`)); !errors.Is(err, ErrAlreadySubmitted) {
		t.Fatalf("second Begin while submitting: %v", err)
	}
	if err := j.Lost(AreaJobs, "x", "timeout after sending"); err != nil {
		t.Fatal(err)
	}
	if err := j.Begin(AreaJobs, "x", "/generate/a/b", []byte(`{}`)); !errors.Is(err, ErrAlreadySubmitted) {
		t.Fatalf("Begin after a lost answer: %v", err)
	}
	if err := j.Refuse(AreaJobs, "x", "", nil, "late refusal"); !errors.Is(err, ErrAlreadySubmitted) {
		t.Fatalf("Refuse of an unknown request: %v", err)
	}
	// A refused request (invalid before sending) may be edited and sent again.
	if err := j.Refuse(AreaJobs, "y", "/generate/a/b", []byte(`{"p"`), "not JSON"); err != nil {
		t.Fatal(err)
	}
	if err := j.Begin(AreaJobs, "y", "/generate/a/b", []byte(`{"p": 1}`)); err != nil {
		t.Fatalf("Begin after a refusal: %v", err)
	}
	if err := j.Started(AreaJobs, "y", "job-y"); err != nil {
		t.Fatal(err)
	}
	if err := j.Begin(AreaJobs, "y", "/generate/a/b", []byte(`{"p": 1}`)); !errors.Is(err, ErrAlreadySubmitted) {
		t.Fatalf("Begin of a started request: %v", err)
	}
	if err := j.Started(AreaJobs, "y", "job-z"); err == nil {
		t.Fatal("a started request started twice")
	}
	if err := j.Remove(AreaJobs, "y"); err != nil {
		t.Fatal(err)
	}
	if _, ok := j.Get(AreaJobs, "y"); ok {
		t.Fatal("removed request still there")
	}
}

func TestARequestInterruptedWhileSendingIsUnknownAfterARemountAndNeverResent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	j, _ := OpenJobRequests(path)
	if err := j.Begin(AreaJobs, "x", "/generate/a/b", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	// kreafs dies here, during the POST.
	again, err := OpenJobRequests(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := again.Get(AreaJobs, "x")
	if r.State != Unknown || !strings.Contains(r.Error, "not sent again") {
		t.Fatalf("%+v", r)
	}
	if err := again.Begin(AreaJobs, "x", "/generate/a/b", []byte(`{}`)); !errors.Is(err, ErrAlreadySubmitted) {
		t.Fatalf("resend after remount: %v", err)
	}
	third, _ := OpenJobRequests(path)
	if r, _ := third.Get(AreaJobs, "x"); r.State != Unknown {
		t.Fatalf("the unknown state was not saved: %+v", r)
	}
}

func TestADamagedRequestsFileIsReportedAndStartsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJobRequests(path)
	if err == nil || !strings.Contains(err.Error(), "damaged") || len(j.List(AreaJobs)) != 0 {
		t.Fatalf("%v", err)
	}
	if err := j.Begin(AreaJobs, "x", "/generate/a/b", nil); err != nil {
		t.Fatalf("Begin on a fresh set: %v", err)
	}
}

func TestAFailedSaveChangesNothing(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	j, _ := OpenJobRequests(filepath.Join(blocker, "sub", "r.json")) // a file where a directory must be
	if err := j.Begin(AreaJobs, "x", "/generate/a/b", nil); err == nil {
		t.Fatal("save into a file succeeded")
	}
	if _, ok := j.Get(AreaJobs, "x"); ok {
		t.Fatal("a request whose save failed is recorded")
	}
}
