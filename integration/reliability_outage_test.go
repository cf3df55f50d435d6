//go:build linux

package integration

// The API goes away in the middle of work and comes back
// (docs/reliability.md, "When the API is down"): cached assets keep
// reading, listings serve the last known state with one warning, cold
// reads fail with EIO after a bounded time instead of hanging, and
// everything works again once the API is back.

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// coldReadDownBound is how long a read of an uncached asset may take while
// the API and file host refuse connections (docs/reliability.md: the
// client's retry time, 30 s, plus slack for a loaded CI machine).
const coldReadDownBound = 45 * time.Second

func TestAPIDownMidWorkServesTheCacheAndLastListingThenRecovers(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	warm := map[string][]byte{
		"warm-1.png": makePNG(501, 40, 30),
		"warm 2.wav": makeWAV(502, 1<<20),
	}
	cold := map[string][]byte{
		"cold-1.png": makePNG(511, 40, 30),
		"cold 2.wav": makeWAV(512, 2<<20),
	}
	for n, d := range warm {
		emu.add(d, n)
	}
	for n, d := range cold {
		emu.add(d, n)
	}
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	before := listNames(t, m.Path("assets"))
	for n, d := range warm {
		run(t, "cmp", writeTemp(t, "want", d), m.Path("assets", n))
	}

	// The API and file host go away: connections are refused.
	emu.Close()
	down := time.Now()

	// Listings: after the TTL, ls shows the last known listing.
	time.Sleep(1100 * time.Millisecond)
	start := time.Now()
	got := listNames(t, m.Path("assets"))
	took := time.Since(start)
	slices.Sort(got)
	slices.Sort(before)
	if !slices.Equal(got, before) {
		t.Errorf("ls while the API is down shows %q, want the last known %q", got, before)
	}
	t.Logf("ls while the API is down took %v", took.Round(time.Millisecond))
	if err := eventually(5*time.Second, func() error {
		if logCount(m.Stderr(), "level=warning", "serving the last known listing") == 0 {
			return fmt.Errorf("no warning")
		}
		return nil
	}); err != nil {
		t.Errorf("no warning in the log that the last known listing is served")
	}

	// Cached assets keep reading, by name and by id, through new opens.
	for round := 0; round < 2; round++ {
		for n, d := range warm {
			got, err := os.ReadFile(m.Path("assets", n))
			if err != nil || !bytes.Equal(got, d) {
				t.Errorf("reading cached %s while the API is down: %v (or other bytes)", n, err)
			}
		}
		if round == 0 {
			time.Sleep(1100 * time.Millisecond) // names expire in the kernel: lookups again
		}
	}

	// A cold read fails with EIO, within a bound (no hang).
	_, stderr, took, err := timed(t, coldReadDownBound+30*time.Second, "cat", m.Path("assets", "cold 2.wav"))
	t.Logf("cold read while the API is down: %v after %v: %q", err, took.Round(time.Millisecond), strings.TrimSpace(stderr))
	if err == nil || !strings.Contains(stderr, "Input/output error") {
		t.Errorf("cold read while the API is down: %v %q, want Input/output error", err, stderr)
	}
	if took > coldReadDownBound {
		t.Errorf("cold read while the API is down took %v, more than %v", took, coldReadDownBound)
	}
	// Unknown names: ENOENT from the last listing, quickly.
	if _, stderr, took, err := timed(t, runTimeout, "stat", m.Path("assets", "never-existed.png")); err == nil ||
		!strings.Contains(stderr, "No such file") || took > coldReadDownBound {
		t.Errorf("stat of an unknown name while the API is down: %v %q after %v", err, stderr, took)
	}
	t.Logf("the API was down for %v", time.Since(down).Round(time.Second))

	// The API comes back on the same address, with the same data.
	emu = restartEmulator(t, emu, emulator.Options{})
	back := time.Now()
	for n, d := range cold {
		var got []byte
		err := eventually(20*time.Second, func() error {
			var err error
			got, err = os.ReadFile(m.Path("assets", n))
			return err
		})
		if err != nil || !bytes.Equal(got, d) {
			t.Errorf("reading %s after the API came back: %v (or other bytes)", n, err)
		}
	}
	t.Logf("cold assets read %v after the API came back", time.Since(back).Round(time.Millisecond))
	added := emu.add(makePNG(520, 4, 4), "after-the-outage.png")
	if err := eventually(10*time.Second, func() error {
		_, err := os.Stat(m.Path("assets", "after-the-outage.png"))
		return err
	}); err != nil {
		t.Errorf("an asset added after the API came back (%s) never shows: %v", added.ID, err)
	}
	if err := eventually(10*time.Second, func() error {
		run(t, "ls", m.Path("assets"))
		if logCount(m.Stderr(), "listing refresh works again") == 0 {
			return fmt.Errorf("no recovery line")
		}
		return nil
	}); err != nil {
		t.Errorf("no log line that listings work again")
	}
	if n := logCount(m.Stderr(), "level=warning", "serving the last known listing", "listing=assets"); n > 1 {
		t.Errorf("%d warnings about serving the last known listing of assets/ for one outage, want 1", n)
	}
}
