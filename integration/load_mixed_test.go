//go:build linux

package integration

// Load (docs/reliability.md, "Load"): 16 programs reading, listing and
// copying at once against an emulator with latency, for LOAD_DURATION
// (20 s in CI; KREAFS_LONG=1 makes it 3 minutes, or set
// KREAFS_LOAD_DURATION). No operation fails or hangs, memory stays flat,
// and kreafs' goroutines come back to where they were.

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// loadDuration is how long the load runs.
func loadDuration(t testing.TB) time.Duration {
	if v := os.Getenv("KREAFS_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("KREAFS_LOAD_DURATION=%q: %v", v, err)
		}
		return d
	}
	if os.Getenv("KREAFS_LONG") == "1" {
		return 3 * time.Minute
	}
	return 20 * time.Second
}

// goroutinesBesidesConnections counts kreafs' goroutines from a
// goroutine?debug=1 profile, leaving out those of idle HTTP connections
// (net/http keeps up to 32 per host for 90 s by design).
func goroutinesBesidesConnections(profile string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(profile))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	count, conn := 0, false
	flush := func() {
		if !conn {
			n += count
		}
		count, conn = 0, false
	}
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "goroutine profile:"):
		case l == "":
			flush()
		case !strings.HasPrefix(l, "#"):
			// "N @ 0x... 0x..."
			if f := strings.Fields(l); len(f) > 1 && f[1] == "@" {
				flush()
				count, _ = strconv.Atoi(f[0])
			}
		case strings.Contains(l, "net/http.(*persistConn)"):
			conn = true
		}
	}
	flush()
	return n
}

// onlyRemovedVanished reports whether every complaint in an ls -l's stderr
// is about a name that a copier removed meanwhile ("cannot access 'X': No
// such file or directory" between readdir and lstat, as on any file system).
func onlyRemovedVanished(stderr string, removed *sync.Map) bool {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, l := range lines {
		_, rest, ok := strings.Cut(l, "cannot access '")
		if !ok || !strings.HasSuffix(l, "No such file or directory") {
			return false
		}
		p, _, _ := strings.Cut(rest, "'")
		if _, gone := removed.Load(filepath.Base(p)); !gone {
			return false
		}
	}
	return len(lines) > 0
}

// aboutFile explains a failed program from kreafs' whole debug log: the
// warnings naming the file (by name, or by asset id when id is not
// empty), or that there are none, and the last lines naming it.
func aboutFile(log, name, id string) string {
	var warnings, lines []string
	for _, l := range strings.Split(log, "\n") {
		if !strings.Contains(l, name) && (id == "" || !strings.Contains(l, id)) {
			continue
		}
		lines = append(lines, l)
		if strings.Contains(l, "level=warning") || strings.Contains(l, "level=error") {
			warnings = append(warnings, l)
		}
	}
	var b strings.Builder
	if len(warnings) == 0 {
		// kreafs logs a warning for the cause of every EIO it answers (fs/node).
		fmt.Fprintf(&b, "no warning names %s (id %q): kreafs answered no EIO for it; an EIO came from the kernel itself\n", name, id)
	} else {
		fmt.Fprintf(&b, "%d warnings name it, the last ones:\n%s\n", len(warnings), strings.Join(warnings[max(0, len(warnings)-20):], "\n"))
	}
	fmt.Fprintf(&b, "the last of the %d lines naming it:\n%s", len(lines), strings.Join(lines[max(0, len(lines)-40):], "\n"))
	return b.String()
}

func TestSixteenProgramsReadingListingAndCopyingAtOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	dur := loadDuration(t)
	emu := startEmulator(t, emulator.Options{SeedAssets: 150, SeedJobs: 20, SeedStyles: 6, Latency: 30 * time.Millisecond})
	emu.SetBandwidth(40 << 20)
	src := t.TempDir()
	type asset struct{ name, path, id string }
	var mine []asset
	ids := map[string]string{} // asset id by name, for the failure report
	for i := 0; i < 40; i++ {
		var data []byte
		name := fmt.Sprintf("load-%02d.png", i)
		if i%4 == 0 {
			name = fmt.Sprintf("load-%02d.wav", i)
			data = makeWAV(uint64(1400+i), (1+i%3)<<20)
		} else {
			data = makePNG(uint64(1400+i), 32, 32)
		}
		a := emu.add(data, name)
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		mine = append(mine, asset{name, p, a.ID})
		ids[name] = a.ID
	}
	// A cache smaller than what is read, so eviction runs under load.
	m := mountWith(t, emu, mountOpts{Flags: []string{"--cache-size", "24MiB", "--dir-cache-ttl", "2s", "--upload-delay", "200ms"},
		Env: []string{"KREAFS_PPROF=127.0.0.1:0"}})
	base := pprofURL(t, m)
	run(t, "ls", "-l", m.Path("assets"))
	run(t, "ls", m.Path("jobs"), m.Path("styles"))
	time.Sleep(500 * time.Millisecond)
	_, prof, err := goroutineCount(base)
	if err != nil {
		t.Fatal(err)
	}
	baseline := goroutinesBesidesConnections(prof)

	var (
		stop     atomic.Bool
		ops      atomic.Int64
		mu       sync.Mutex
		failures []string
		failedOn []string // names in the mount that a failed program was given
		rssMax   int64
		samples  []int64
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	var removed sync.Map // names a copier removed (or is removing)
	do := func(name string, args ...string) bool {
		_, stderr, err := runErr(t, name, args...)
		ops.Add(1)
		if err != nil && !onlyRemovedVanished(stderr, &removed) {
			fail("%s %s: %v %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr))
			mu.Lock()
			for _, a := range args {
				if strings.HasPrefix(a, m.Dir+"/") && !slices.Contains(failedOn, filepath.Base(a)) {
					failedOn = append(failedOn, filepath.Base(a))
				}
			}
			mu.Unlock()
			return false
		}
		return err == nil
	}
	var wg sync.WaitGroup
	worker := func(seed uint64, body func(r *rand.Rand)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			for !stop.Load() {
				body(r)
			}
		}()
	}
	// 8 readers: cmp a random asset of ours against its source.
	for i := 0; i < 8; i++ {
		worker(uint64(i), func(r *rand.Rand) {
			a := mine[r.IntN(len(mine))]
			do("cmp", a.path, m.Path("assets", a.name))
		})
	}
	// 4 listers: ls -l of each directory, stat of a random name.
	for i := 0; i < 4; i++ {
		worker(uint64(100+i), func(r *rand.Rand) {
			switch r.IntN(4) {
			case 0:
				do("ls", "-l", m.Path("assets"))
			case 1:
				do("ls", "-l", m.Path("jobs"))
			case 2:
				do("ls", "-lR", m.Path("styles"))
			default:
				do("stat", m.Path("assets", mine[r.IntN(len(mine))].name))
			}
		})
	}
	// 4 copiers: cp a new file in, sync it, read it back, sometimes rm.
	var copied atomic.Int64
	for i := 0; i < 4; i++ {
		i := i
		worker(uint64(200+i), func(r *rand.Rand) {
			n := copied.Add(1)
			name := fmt.Sprintf("copy-%d-%04d.png", i, n)
			p := filepath.Join(src, name)
			if err := os.WriteFile(p, makePNG(uint64(100000+n), 16, 16), 0o600); err != nil {
				fail("%v", err)
				return
			}
			if !do("cp", p, m.Path("assets", name)) || !do("sync", m.Path("assets", name)) ||
				!do("cmp", p, m.Path("assets", name)) {
				return
			}
			if r.IntN(3) == 0 {
				removed.Store(name, true)
				do("rm", m.Path("assets", name))
			}
		})
	}
	// Memory, sampled twice a second.
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		for !stop.Load() {
			if kb, err := procStatusKB(m.Pid(), "VmRSS"); err == nil {
				mu.Lock()
				samples = append(samples, kb)
				rssMax = max(rssMax, kb)
				mu.Unlock()
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	start := time.Now()
	time.Sleep(dur)
	stop.Store(true)
	wg.Wait()
	<-sampleDone
	took := time.Since(start)

	for _, f := range failures {
		t.Error(f)
	}
	for _, name := range failedOn[:min(len(failedOn), 4)] {
		t.Logf("what kreafs logged about %s:\n%s", name, aboutFile(m.Stderr(), name, ids[name]))
	}
	if m.Exited() {
		t.Fatalf("kreafs died under load")
	}
	// Everything copied in is on the account exactly once.
	run(t, "sync", m.Path("assets"))
	for d, n := range emu.descriptions() {
		if n != 1 && strings.HasPrefix(d, "copy-") {
			t.Errorf("%s: %d assets, want 1", d, n)
		}
	}

	// Goroutines come back to the idle baseline (idle HTTP connections
	// aside), once running uploads and parked downloads have ended.
	var now int
	err = eventually(30*time.Second, func() error {
		_, prof, err := goroutineCount(base)
		if err != nil {
			return err
		}
		now = goroutinesBesidesConnections(prof)
		if now > baseline+5 {
			return fmt.Errorf("%d goroutines (idle connections aside), %d before the load", now, baseline)
		}
		return nil
	})
	if err != nil {
		_, prof, _ := goroutineCount(base)
		t.Errorf("after the load: %v\n%s", err, tail(prof, 8<<10))
	}
	hwm, _ := procStatusKB(m.Pid(), "VmHWM")
	mu.Lock()
	n := len(samples)
	var firstHalf, lastQuarter int64
	for i, s := range samples {
		if i < n/2 {
			firstHalf = max(firstHalf, s)
		}
		if i >= 3*n/4 {
			lastQuarter = max(lastQuarter, s)
		}
	}
	mu.Unlock()
	t.Logf("load: %d programs run in %v by 16 workers (%d files copied in); kreafs RSS peak %d MiB (VmHWM %d MiB), "+
		"max in the first half %d MiB, in the last quarter %d MiB; goroutines %d before, %d after (idle connections aside)",
		ops.Load(), took.Round(time.Second), copied.Load(), rssMax>>10, hwm>>10, firstHalf>>10, lastQuarter>>10, baseline, now)
	// Flat: the last quarter does not climb far above the first half.
	if n >= 8 && lastQuarter > firstHalf*3/2+32<<10 {
		t.Errorf("memory grows under steady load: %d MiB in the last quarter, %d MiB in the first half", lastQuarter>>10, firstHalf>>10)
	}
	if !raceEnabled && rssMax > 400<<10 {
		t.Errorf("kreafs peaked at %d MiB resident under load", rssMax>>10)
	}
}
