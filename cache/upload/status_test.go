package upload

import (
	"testing"
	"time"

	"github.com/kreafs/kreafs/cache/upload/queue"
)

func TestFormatStatus(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	up := withProgress(queue.Item{ID: "i3", Name: "big.png", State: queue.Uploading, Size: 3000},
		queue.Transfer{Sent: 1000, Started: at}, at.Add(2*time.Second))
	out := string(FormatStatus([]ItemStatus{
		{Item: queue.Item{ID: "i1", Name: "bad\nname.png", State: queue.Failed, Size: 12, Attempts: 1, Err: "krea api: 400 nope"}, ETA: -1},
		{Item: queue.Item{ID: "i2", Name: "ok.png", State: queue.Pending, Size: 3, NextTry: at}, ETA: -1},
		up,
	}))
	want := "# kreafs upload queue: 3 item(s): 1 pending, 1 uploading, 1 failed; 1000 of 3003 bytes sent, 500 B/s, eta 4s\n" +
		"# state\tsize\tsent\tspeed\teta\tattempts\tnext_try\tid\tname\terror\n" +
		"failed\t12\t0\t-\t-\t1\t-\ti1\t\"bad\\nname.png\"\t\"krea api: 400 nope\"\n" +
		"pending\t3\t0\t-\t-\t0\t2026-01-02T03:04:05Z\ti2\t\"ok.png\"\t\"\"\n" +
		"uploading\t3000\t1000\t500\t4s\t0\t-\ti3\t\"big.png\"\t\"\"\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}
