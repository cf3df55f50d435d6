package upload

import (
	"testing"
	"time"

	"github.com/kreafs/kreafs/cache/upload/queue"
)

func TestFormatStatus(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := string(FormatStatus([]queue.Item{
		{ID: "i1", Name: "bad\nname.png", State: queue.Failed, Size: 12, Attempts: 1, Err: "krea api: 400 nope"},
		{ID: "i2", Name: "ok.png", State: queue.Pending, Size: 3, NextTry: at},
	}))
	want := "# kreafs upload queue: 2 item(s): 1 pending, 1 failed\n" +
		"# state\tsize\tattempts\tnext_try\tid\tname\terror\n" +
		"failed\t12\t1\t-\ti1\t\"bad\\nname.png\"\t\"krea api: 400 nope\"\n" +
		"pending\t3\t0\t2026-01-02T03:04:05Z\ti2\t\"ok.png\"\t\"\"\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}
