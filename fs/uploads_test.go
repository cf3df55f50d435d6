package fs

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
)

func strp(s string) *string { return &s }

func testAsset(id, desc string, ageMin int) api.Asset {
	return api.Asset{ID: id, Description: desc, MIMEType: strp("image/png"),
		UploadedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(ageMin) * time.Minute)}
}

func TestVisibleNamesComeFromTheVisibleAssetsOnly(t *testing.T) {
	old := testAsset("old00000aaaa", "a.png", 10)  // being replaced (hidden)
	neu := testAsset("new00000bbbb", "a.png", 0)   // its replacement
	other := testAsset("oth00000cccc", "b.png", 5) // unrelated
	cases := []struct {
		name   string
		listed []api.Asset
		hidden []string
		extra  []api.Asset
		want   map[string]string // name -> id
	}{
		{
			name:   "nothing hidden: the oldest keeps the plain name",
			listed: []api.Asset{old, neu, other},
			want:   map[string]string{"a.png": old.ID, "a (new00000).png": neu.ID, "b.png": other.ID},
		},
		{
			name:   "the replaced asset is hidden: the new one is a.png at once",
			listed: []api.Asset{old, neu, other},
			hidden: []string{old.ID},
			want:   map[string]string{"a.png": neu.ID, "b.png": other.ID},
		},
		{
			name:   "an upload the listing lacks shows under its name",
			listed: []api.Asset{old, other},
			hidden: []string{old.ID},
			extra:  []api.Asset{neu},
			want:   map[string]string{"a.png": neu.ID, "b.png": other.ID},
		},
		{
			name:   "a removed asset is gone",
			listed: []api.Asset{other},
			hidden: []string{other.ID},
			want:   map[string]string{},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := buildTable(7, c.listed)
			hidden := map[string]bool{}
			for _, id := range c.hidden {
				hidden[id] = true
			}
			v := filterTable(tab, hidden, c.extra)
			got := map[string]string{}
			for name, a := range v.byName {
				got[name] = a.ID
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("names %v, want %v", got, c.want)
			}
			if v.gen != tab.gen {
				t.Errorf("generation %d, want %d", v.gen, tab.gen)
			}
		})
	}
}

func TestListingMergesQueuedFilesOverAssets(t *testing.T) {
	tab := buildTable(1, []api.Asset{testAsset("id1", "a.png", 3), testAsset("id2", "b.png", 2)})
	items := visibleItems([]queue.Item{
		{ID: "q1", Name: "b.png", State: queue.Pending},      // overwrites b.png
		{ID: "q2", Name: "c.png", State: queue.Writing},      // new
		{ID: "q3", Name: ".c.png.Ab12cD", State: queue.Held}, // rsync temp
		{ID: "q4", Name: "d.png", State: queue.Failed},       // refused: still shown
		{ID: "q5", Name: "e.png", State: queue.Uploaded},     // an asset now
		{ID: "q6", Name: "f.png", State: queue.Canceled},     // removed
		{ID: "q7", Name: "bad\nname", State: queue.Pending},  // never shown
	})
	var got []string
	for _, e := range mergeEntries(tab, items) {
		kind := "asset"
		if e.Ino == uploadIno(items[e.Name].ID) {
			kind = "queued"
		}
		if e.Mode != syscall.S_IFREG {
			t.Errorf("%s: mode %o", e.Name, e.Mode)
		}
		got = append(got, e.Name+"="+kind)
	}
	want := ".c.png.Ab12cD=queued a.png=asset b.png=queued c.png=queued d.png=queued"
	if strings.Join(got, " ") != want {
		t.Errorf("listing\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestListingEditsAreIdempotent(t *testing.T) {
	a, b := testAsset("a", "a.png", 1), testAsset("b", "b.png", 2)
	list := []api.Asset{a}
	add := withAsset(b)
	if got := add(add(list)); len(got) != 2 || got[0].ID != "b" {
		t.Errorf("adding twice: %+v", got)
	}
	drop := withoutIDs("a", "zz")
	if got := drop(drop([]api.Asset{a, b})); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("dropping twice: %+v", got)
	}
}

func TestRefusalErrnos(t *testing.T) {
	cases := []struct {
		err  error
		want syscall.Errno
	}{
		{nil, 0},
		{upload.ErrTooBig, syscall.EFBIG},
		{upload.ErrNotAccepted, syscall.EINVAL},
		{syscall.ENOSPC, syscall.ENOSPC},
	}
	for _, c := range cases {
		if got := rejectionErrno(c.err); got != c.want {
			t.Errorf("rejectionErrno(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if !wantsWrite(syscall.O_WRONLY) || !wantsWrite(syscall.O_RDWR) || !wantsWrite(syscall.O_RDONLY|syscall.O_TRUNC) || wantsWrite(syscall.O_RDONLY) {
		t.Errorf("wantsWrite")
	}
}
