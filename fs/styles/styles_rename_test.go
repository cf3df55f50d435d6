package styles

// mv of a style (styles_dir_rename.go) against a fake Krea that refuses,
// accepts or ignores a new title, and junk-name lookups in styles/.

import (
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache"
	"github.com/kreafs/kreafs/fs/node"
)

// fakeStyles serves styles; titleMode is "refuse", "accept", "ignore" or
// "error" (PATCH fails with patchErr).
type fakeStyles struct {
	node.Remote
	mu        sync.Mutex
	styles    []api.Style
	titleMode string
	patchErr  error
	requests  []string
}

func (f *fakeStyles) note(r string) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
}

func (f *fakeStyles) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeStyles) AllStyles(ctx context.Context, o api.StyleListOptions) ([]api.Style, error) {
	f.note("GET /styles?filter=" + o.Filter)
	f.mu.Lock()
	defer f.mu.Unlock()
	if o.Filter != "user" {
		return nil, nil
	}
	return append([]api.Style(nil), f.styles...), nil
}

func (f *fakeStyles) GetStyle(ctx context.Context, id string) (*api.Style, error) {
	f.note("GET /styles/" + id)
	return nil, &api.Error{Status: 404, Message: "Style not found"}
}

func (f *fakeStyles) PatchStyle(ctx context.Context, id string, p api.StylePatch) (*api.Style, error) {
	f.note("PATCH /styles/" + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.styles {
		if f.styles[i].ID != id {
			continue
		}
		switch f.titleMode {
		case "refuse":
			return nil, &api.Error{Status: 400, Message: "No valid fields to update"}
		case "accept":
			f.styles[i].Title = p.Title
		case "error":
			return nil, f.patchErr
		}
		c := f.styles[i]
		return &c, nil
	}
	return nil, &api.Error{Status: 404, Message: "Style not found"}
}

func newStylesEnv(t *testing.T, f *fakeStyles) (*stylesDir, *logBuffer) {
	t.Helper()
	store, err := cache.Open(cache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &logBuffer{}
	l := logrus.New()
	l.SetOutput(logs)
	r, err := node.NewMount(node.Config{Remote: f, Content: store, Log: l, DirCacheTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return New(r).(*stylesDir), logs
}

func oneStyle(mode string) *fakeStyles {
	title := "Sunset"
	return &fakeStyles{titleMode: mode, styles: []api.Style{{ID: "a816d79d-55c9-43ee-81c3-8330ffe79e6c", Title: &title, Owner: &api.StyleOwner{ID: "me"}}}}
}

func (f *fakeStyles) title() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.styles[0].Title
}

func TestMvOfAStyleUnderEachKreaAnswer(t *testing.T) {
	for _, tc := range []struct {
		mode   string
		want   syscall.Errno
		listed string
	}{
		{"refuse", syscall.EPERM, "Sunset"},
		{"ignore", syscall.EPERM, "Sunset"},
		{"accept", 0, "Dawn"},
	} {
		f := oneStyle(tc.mode)
		d, logs := newStylesEnv(t, f)
		if got := d.Rename(context.Background(), "Sunset", d, "Dawn", 0); got != tc.want {
			t.Errorf("%s: rename gives %v, want %v", tc.mode, got, tc.want)
		}
		tab, err := d.table(context.Background(), true)
		if err != nil {
			t.Fatal(err)
		}
		if tab.ByName.At(tc.listed) == nil || tab.ByName.Len() != 1 {
			t.Errorf("%s: after mv (and a fresh listing) styles/ holds %v, want only %q", tc.mode, tab.Names(), tc.listed)
		}
		log := logs.String()
		if tc.want == syscall.EPERM && !strings.Contains(log, "Krea does not rename styles through its API") {
			t.Errorf("%s: no log line saying Krea does not rename styles:\n%s", tc.mode, log)
		}
		if strings.Contains(log, "subdirectory") {
			t.Errorf("%s: log speaks of subdirectories:\n%s", tc.mode, log)
		}
		if tc.mode == "accept" && f.title() != "Dawn" {
			t.Errorf("accept: the API's title is %q", f.title())
		}
	}
}

func TestMvOfAStyleOnAnUnprocessableOrFailingAPI(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want syscall.Errno // 0: anything but EINVAL and success
	}{
		{&api.Error{Status: 400, Message: "title is not supported"}, syscall.EPERM},
		{&api.Error{Status: 403, Message: "not yours"}, syscall.EPERM},
		{&api.Error{Status: 503, Message: "down"}, syscall.EIO},
		{&api.Error{Status: 422, Message: "title: extra fields not permitted"}, 0},
		{&api.Error{Status: 415, Message: "unsupported"}, 0},
	} {
		f := oneStyle("error")
		f.patchErr = tc.err
		d, _ := newStylesEnv(t, f)
		got := d.Rename(context.Background(), "Sunset", d, "Dawn", 0)
		switch {
		case tc.want != 0 && got != tc.want:
			t.Errorf("PATCH answering %v: %v, want %v", tc.err, got, tc.want)
		case got == 0 || got == syscall.EINVAL:
			// EINVAL: GNU mv says "cannot move a directory into a subdirectory of itself".
			t.Errorf("PATCH answering %v: %v, want a failure other than EINVAL", tc.err, got)
		}
	}
}

func TestJunkNamesInStylesCostNoRequest(t *testing.T) {
	f := oneStyle("refuse")
	d, _ := newStylesEnv(t, f)
	if _, err := d.table(context.Background(), false); err != nil { // ls styles/
		t.Fatal(err)
	}
	n := len(f.seen())
	for _, name := range []string{".directory", "desktop.ini", "Thumbs.db", "autorun.inf", ".hidden", "Not a style"} {
		if _, _, err := d.lookup(context.Background(), name); node.ToErrno(err) != syscall.ENOENT {
			t.Errorf("styles/%s: %v, want ENOENT", name, err)
		}
		if _, err := d.style(context.Background(), name); node.ToErrno(err) != syscall.ENOENT {
			t.Errorf("styles/.by-id/%s: %v, want ENOENT", name, err)
		}
	}
	if got := f.seen()[n:]; len(got) != 0 {
		t.Errorf("lookups of junk names sent %q", got)
	}
	// An id-shaped name the listing lacks is still asked for.
	if _, _, err := d.lookup(context.Background(), "0b5c1f4e-1111-4222-8333-444455556666"); node.ToErrno(err) != syscall.ENOENT {
		t.Errorf("unknown id: %v, want ENOENT", err)
	}
	if got := f.seen()[n:]; !strings.Contains(strings.Join(got, " "), "GET /styles/0b5c1f4e-1111-4222-8333-444455556666") {
		t.Errorf("unknown id-shaped name sent %q, want a GET by id", got)
	}
}
