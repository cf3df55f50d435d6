//go:build linux

package integration

// An API and file host that stall: they accept connections and then send
// nothing (docs/reliability.md, "Timeouts"). Every operation returns within
// its documented bound, and once the server sends again nobody waits for a
// request that started during the stall.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestReadAfterAStallIsLiftedDoesNotWaitForTheStalledDownload(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makeWAV(601, 3<<20)
	emu.add(data, "stuck then fine.wav")
	m := mount(t, emu)
	run(t, "ls", m.Path("assets"))

	// A first reader gets a few bytes and then nothing.
	emu.SetStallAfter(1000)
	first := exec.Command("cat", m.Path("assets", "stuck then fine.wav"))
	first.Stdout = io.Discard
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	firstDone := make(chan error, 1)
	go func() { firstDone <- first.Wait() }()
	defer func() {
		_ = first.Process.Kill()
		<-firstDone
	}()
	time.Sleep(6 * time.Second) // the download has been silent for a while

	// The server sends again. A new reader must not wait for the silent
	// request (the stall timeout is 30 s) nor fail with its error.
	emu.SetStallAfter(-1)
	start := time.Now()
	got, err := os.ReadFile(m.Path("assets", "stuck then fine.wav"))
	took := time.Since(start)
	t.Logf("a new read after the stall was lifted took %v: %v", took.Round(time.Millisecond), err)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("a new read after the stall was lifted: %v (or other bytes), want the asset", err)
	}
	if took > 10*time.Second {
		t.Errorf("a new read after the stall was lifted took %v: it waited for the request that stalled", took)
	}
	// The first reader is served by the new download too (or fails at its
	// own stall timeout; it must not hang).
	select {
	case err := <-firstDone:
		t.Logf("the first reader ended %v after the stall was lifted: %v", time.Since(start).Round(time.Millisecond), err)
		firstDone <- err
	case <-time.After(stallTimeout + 15*time.Second):
		t.Errorf("the first reader still blocks %v after the stall was lifted", stallTimeout+15*time.Second)
	}
}

// Documented waits (docs/reliability.md, "Timeouts").
const (
	listingWait      = 5 * time.Second  // an ls or lookup waits this long for a listing refresh
	apiAnswerTimeout = 60 * time.Second // one API request that gets no answer
	boundSlack       = 10 * time.Second // a loaded CI machine, -race
)

// stallOp is one operation timed against a stalled API.
type stallOp struct {
	name  string
	args  []string
	bound time.Duration
	ok    bool // expected to succeed (else: fail, with EIO or ENOENT)
}

func TestEveryOperationReturnsWithinItsBoundWhenTheAPIStalls(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{SeedJobs: 3, SeedStyles: 3})
	cached := makePNG(611, 30, 30)
	emu.add(cached, "cached.png")
	emu.add(makeWAV(612, 1<<20), "cold.wav")
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	run(t, "ls", m.Path("assets"))
	jobs := listNames(t, m.Path("jobs"))
	run(t, "ls", m.Path("styles"))
	run(t, "cmp", writeTemp(t, "cached.png", cached), m.Path("assets", "cached.png"))
	if len(jobs) == 0 {
		t.Fatalf("no jobs listed")
	}
	run(t, "cat", m.Path("jobs", jobs[0], "status"))

	emu.SetStall(true)
	time.Sleep(1100 * time.Millisecond) // every listing is past its TTL
	list := listingWait + boundSlack
	ops := []stallOp{
		{"ls assets/ (last known listing)", []string{"ls", m.Path("assets")}, list, true},
		{"ls -l assets/", []string{"ls", "-l", m.Path("assets")}, list, true},
		{"cat of a cached asset", []string{"cat", m.Path("assets", "cached.png")}, list, true},
		{"ls jobs/", []string{"ls", m.Path("jobs")}, list, true},
		{"cat jobs/<id>/status", []string{"cat", m.Path("jobs", jobs[0], "status")}, list, true},
		{"ls styles/", []string{"ls", m.Path("styles")}, list, true},
		{"stat of an unknown name", []string{"stat", m.Path("assets", "nobody.png")}, 2*listingWait + boundSlack, false},
		{"cat of a cold asset", []string{"cat", m.Path("assets", "cold.wav")}, listingWait + stallTimeout + boundSlack, false},
		{"stat of an unknown id", []string{"stat", m.Path("assets", ".by-id", "0c7467d1-5c33-4499-a3f6-e4a38fef3477")},
			listingWait + apiAnswerTimeout + boundSlack, false},
	}
	var wg sync.WaitGroup
	for i := range ops {
		op := &ops[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, stderr, took, err := timed(t, op.bound+60*time.Second, op.args[0], op.args[1:]...)
			t.Logf("%-32s %8v  %v %s", op.name, took.Round(100*time.Millisecond), err, strings.TrimSpace(lastLine(stderr)))
			if took > op.bound {
				t.Errorf("%s took %v with a stalled API, more than %v", op.name, took.Round(time.Millisecond), op.bound)
			}
			if op.ok && err != nil {
				t.Errorf("%s with a stalled API: %v %q, want success", op.name, err, stderr)
			}
			if !op.ok && err == nil {
				t.Errorf("%s with a stalled API succeeded", op.name)
			}
		}()
	}
	wg.Wait()
	if logCount(m.Stderr(), "level=warning", "serving the last known listing") == 0 {
		t.Errorf("no warning in the log that the last known listing is served")
	}
	emu.SetStall(false)
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func TestRmWithAStalledAPIReturnsSoonAndTheDeleteHappensLater(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	gone := emu.add(makePNG(621, 3, 3), "to-remove.png")
	gone2 := emu.add(makePNG(623, 3, 3), "also-remove.png")
	keep := makePNG(622, 3, 3)
	emu.add(keep, "kept.png")
	m := mount(t, emu, "--dir-cache-ttl", "1s")
	run(t, "cmp", writeTemp(t, "kept.png", keep), m.Path("assets", "kept.png"))

	emu.SetStall(true)
	// An rm holds the directory locked in the kernel while it runs: it
	// must not wait for the API's answer timeout.
	var lsTook time.Duration
	lsDone := make(chan struct{})
	go func() {
		defer close(lsDone)
		time.Sleep(500 * time.Millisecond) // while the rm runs
		start := time.Now()
		_, _, _ = runErrTimeout(t, 2*time.Minute, "ls", m.Path("assets"))
		lsTook = time.Since(start)
	}()
	_, stderr, took, err := timed(t, 2*time.Minute, "rm", m.Path("assets", "to-remove.png"))
	<-lsDone
	t.Logf("rm with a stalled API: %v after %v %q; an ls of assets/ meanwhile took %v", err, took.Round(100*time.Millisecond),
		strings.TrimSpace(stderr), lsTook.Round(100*time.Millisecond))
	if err != nil {
		t.Errorf("rm with a stalled API: %v %q, want success (the delete is recorded)", err, stderr)
	}
	if bound := listingWait + listingWait + boundSlack; took > bound || lsTook > bound {
		t.Errorf("rm took %v and an ls meanwhile %v with a stalled API, more than %v", took, lsTook, bound)
	}
	// A second rm, with nothing else running: its name is gone at once.
	// (Not checked after the first: an ls that opened assets/ before that
	// rm may hand the kernel the name again for the entry TTL.)
	_, stderr, took, err = timed(t, 2*time.Minute, "rm", m.Path("assets", "also-remove.png"))
	if err != nil || took > listingWait+boundSlack {
		t.Errorf("a second rm with a stalled API: %v %q after %v", err, stderr, took)
	}
	if _, err := os.Stat(m.Path("assets", "also-remove.png")); !os.IsNotExist(err) {
		t.Errorf("the removed name is still there: %v", err)
	}
	// Once the API answers, the recorded delete is done.
	emu.SetStall(false)
	if err := eventually(90*time.Second, func() error {
		_, _, _ = runErr(t, "sync", m.Path("assets"))
		if hasAsset(emu, gone.ID) || hasAsset(emu, gone2.ID) {
			return fmt.Errorf("an asset is still on the account")
		}
		return nil
	}); err != nil {
		t.Errorf("after the API came back: %v", err)
	}
}
