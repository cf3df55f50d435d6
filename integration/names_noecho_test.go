//go:build linux

package integration

// Names when Krea does not echo the description (emulator switches
// NoEchoDescription and HostedNames, docs/emulator.md): this cache dir
// keeps the names it uploaded; another cache dir has the hosted URL's
// original name when the server gives one, else the asset's id
// (docs/semantics.md, "File names").

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// checkNoDescriptions: the switch is on (no answer carries one).
func checkNoDescriptions(t testing.TB, emu *Emulator) {
	t.Helper()
	for _, a := range emu.Assets() {
		if a.Description != "" {
			t.Fatalf("the emulator echoes description %q with NoEchoDescription", a.Description)
		}
	}
}

func TestWithoutEchoedDescriptionsNamesStayOnThisMachine(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "rsync")
	emu := startEmulator(t, emulator.Options{NoEchoDescription: true})
	files := givenFiles(t)
	files["holiday.png"] = makePNG(12, 8, 8)
	src := writeGiven(t, files)
	m := mount(t, emu, "--upload-delay", "0", "--dir-cache-ttl", "1s")
	rsyncThreeTimes(t, emu, m, src, files)
	checkNoDescriptions(t, emu)
	time.Sleep(1500 * time.Millisecond) // a listing from the API replaces the one the uploads made
	checkExactNames(t, m, files, "after the listing's TTL")

	m.Stop()
	m2 := mountWith(t, emu, mountOpts{CacheDir: m.CacheDir})
	checkExactNames(t, m2, files, "after a remount")
	m2.Stop()

	// Another cache dir has nothing that tells the names: each asset is
	// shown as <id>.<ext> (documented).
	m3 := mount(t, emu)
	var want []string
	for _, a := range emu.Assets() {
		want = append(want, a.ID+"."+api.ExtForMIME(a.MIME()))
	}
	sort.Strings(want)
	if got := listNames(t, m3.Path("assets")); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("a fresh cache dir lists %q, want the id names %q", got, want)
	}
}

func TestWithHostedNamesAFreshCacheDirShowsTheOriginalNames(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{NoEchoDescription: true, HostedNames: true})
	files := givenFiles(t)
	files["holiday.png"] = makePNG(13, 8, 8)
	files["my photo"] = makeJPEG(14, 8, 8) // prose-like: only the hosted URL tells
	m := mount(t, emu, "--upload-delay", "0")
	for name, data := range files {
		run(t, "cp", writeTemp(t, "src", data), m.Path("assets", name))
	}
	run(t, "sync", m.Path("assets"))
	waitUploads(t, emu, len(files))
	checkNoDescriptions(t, emu)
	checkExactNames(t, m, files, "after the uploads")
	m.Stop()

	m2 := mount(t, emu) // another machine
	checkExactNames(t, m2, files, "on a fresh cache dir")
}

func TestKill9DuringAnUploadWithoutEchoedDescriptionsUploadsItExactlyOnce(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	for _, c := range []struct {
		name string
		opts emulator.Options
	}{
		{"no description", emulator.Options{NoEchoDescription: true}},
		{"no description, hosted names", emulator.Options{NoEchoDescription: true, HostedNames: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			kill9DuringAnUpload(t, startEmulator(t, c.opts))
		})
	}
}

// kill9DuringAnUpload kills kreafs while the API holds the answer to an
// upload it has stored, remounts the cache dir, and checks the file is
// then one asset under its exact name.
func kill9DuringAnUpload(t *testing.T, emu *Emulator) {
	proxy := startHoldingProxy(t, emu)
	opts := mountOpts{NoURL: true, Env: []string{"KREA_API_URL=" + proxy.URL}, Flags: []string{"--upload-delay", "0"}}
	m1 := mountWith(t, emu, opts)
	data := makeWAV(951, 2<<20)
	src := writeTemp(t, "in flight", data)
	proxy.hold.Store(true)
	run(t, "cp", src, m1.Path("assets"))
	select {
	case <-proxy.held:
	case <-time.After(30 * time.Second):
		t.Fatalf("no upload reached the API\nstatus:\n%s", m1.statusFile(t))
	}
	if n := emu.UploadCount(); n != 1 {
		t.Fatalf("the emulator counts %d uploads while the answer is held, want 1", n)
	}
	m1.Kill() // the asset exists; kreafs never heard so, and no answer names it
	proxy.hold.Store(false)

	opts.Dir, opts.CacheDir = m1.Dir, m1.CacheDir
	m2 := mountWith(t, emu, opts)
	run(t, "sync", m2.Path("assets"))
	time.Sleep(time.Second) // anything still to come would come now
	checkNoDescriptions(t, emu)
	if n, up := len(emu.Assets()), emu.UploadCount(); n != 1 || up != 1 {
		t.Errorf("after kill -9 mid-upload and a remount: %d assets, %d uploads; want exactly 1", n, up)
	}
	checkExactNames(t, m2, map[string][]byte{"in flight": data}, "after the recovery")
	if st := m2.statusFile(t); strings.Contains(st, "in flight") {
		t.Errorf("the upload is still in the status file:\n%s", st)
	}
	if _, err := os.Stat(m2.Path("assets", "in flight.wav")); !os.IsNotExist(err) {
		t.Errorf("stat \"in flight.wav\": %v, want ENOENT", err)
	}
}
