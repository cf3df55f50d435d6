package assets

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
	"github.com/kreafs/kreafs/fs/view"
)

func strp(s string) *string { return &s }

func testAsset(id, desc string, ageMin int) api.Asset {
	return api.Asset{ID: id, Description: desc, MIMEType: strp("image/png"),
		UploadedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(ageMin) * time.Minute)}
}

func TestListingMergesQueuedFilesOverAssets(t *testing.T) {
	tab := view.NewAssetTable(1, []api.Asset{testAsset("id1", "a.png", 3), testAsset("id2", "b.png", 2)}, nil)
	queued := []queue.Item{
		{ID: "q1", Name: "b.png", State: queue.Pending},      // overwrites b.png
		{ID: "q2", Name: "c.png", State: queue.Writing},      // new
		{ID: "q3", Name: ".c.png.Ab12cD", State: queue.Held}, // rsync temp
		{ID: "q4", Name: "d.png", State: queue.Failed},       // refused: still shown
		{ID: "q5", Name: "e.png", State: queue.Uploaded},     // an asset now
		{ID: "q6", Name: "f.png", State: queue.Canceled},     // removed
		{ID: "q7", Name: "bad\nname", State: queue.Pending},  // never shown
	}
	items := map[string]queue.Item{}
	for _, it := range queued {
		items[it.Name] = it
	}
	var got []string
	for _, ve := range tab.Merge(queuedOf(queued)).Entries {
		e := fuseEntry(ve)
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
	if !node.WantsWrite(syscall.O_WRONLY) || !node.WantsWrite(syscall.O_RDWR) || !node.WantsWrite(syscall.O_RDONLY|syscall.O_TRUNC) || node.WantsWrite(syscall.O_RDONLY) {
		t.Errorf("node.WantsWrite")
	}
}
