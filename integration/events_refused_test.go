//go:build linux

package integration

// A refused upload is a line of .kreafs/events written when the API
// refuses it, not when someone next looks (docs/semantics.md, "Changes
// you can see").

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestTheEventsFileSaysWhenAnUploadIsRefusedWithNobodyLooking(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	proxy := startRefusingProxy(t, emu)
	proxy.refuse(402, "insufficient credits")
	// No listing loop: nothing but the refusal itself may write the line.
	m := mountWith(t, emu, mountOpts{
		Env:   []string{"KREA_API_URL=" + proxy.URL},
		Flags: []string{"--upload-delay", "0", "--watch-window", "0"},
	})
	run(t, "cp", writeTemp(t, "paid.png", makePNG(14, 10, 10)), m.Path("assets"))
	if err := eventually(15*time.Second, func() error {
		if proxy.refused.Load() == 0 {
			return errors.New("no upload refused yet")
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\n%s", err, m.Logs())
	}
	refusedAt := time.Now()
	time.Sleep(2 * time.Second) // nobody looks at the mount meanwhile

	b, err := os.ReadFile(m.Path(".kreafs", "events"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, " upload-refused assets/paid.png") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("the events file has no upload-refused line for paid.png:\n%s", b)
	}
	at, err := time.Parse("2006-01-02T15:04:05.000Z", strings.Fields(line)[0])
	if err != nil {
		t.Fatalf("events line %q: %v", line, err)
	}
	if d := at.Sub(refusedAt); d < -time.Second || d > time.Second {
		t.Errorf("the refusal is logged at %s, %v from when the API refused it (%s); want within a second", at.Format(time.StampMilli), d, refusedAt.UTC().Format(time.StampMilli))
	}
}
