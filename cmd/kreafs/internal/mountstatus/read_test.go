package mountstatus

import (
	"strings"
	"syscall"
	"testing"
	"time"

	cupload "github.com/kreafs/kreafs/cache/upload"
	"github.com/kreafs/kreafs/cache/upload/queue"
	"github.com/kreafs/kreafs/fs/node"
)

// What the mount writes, kreafs status reads back field for field.
func TestStatusReadsWhatTheMountsControlFilesSay(t *testing.T) {
	text := string(cupload.FormatStatus([]cupload.ItemStatus{
		{Item: queue.Item{ID: "i1", Name: "bad\tname.png", State: queue.Failed, Size: 12, Attempts: 1, Err: "krea api: 402 insufficient credits"}, ETA: -1},
		{Item: queue.Item{ID: "i2", Name: "big.mp4", State: queue.Uploading, Size: 3000}, Sent: 1000, Speed: 500, ETA: 4 * time.Second},
	}))
	us, err := parseUploads(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || us[0].Name != "bad\tname.png" || us[0].State != "failed" || !strings.Contains(us[0].Error, "402") ||
		us[1].Sent != 1000 || us[1].Size != 3000 || us[1].Speed != 500 || us[1].ETA != 4 {
		t.Fatalf("parsed %+v\nfrom\n%s", us, text)
	}
	es := parseErrors(string(node.FormatErrors([]node.ErrorEntry{{Time: time.Unix(0, 0), Op: "create", Path: "assets/x.txt", Errno: syscall.ENOTSUP, Reason: "not a type\nKrea accepts"}})))
	if len(es) != 1 || es[0].Errno != "ENOTSUP" || es[0].Path != "assets/x.txt" || es[0].Reason != "not a type\nKrea accepts" {
		t.Fatalf("errors %+v", es)
	}
}
