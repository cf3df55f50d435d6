//go:build linux

package integration

// The mount's life cycle: ready line, signals, umount, stale mounts, the
// token at start.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/integration/kreafstest"
)

func TestReadyLineIsOneLineOnStdout(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	m := mount(t, emu)
	out := m.Stdout()
	if !strings.HasPrefix(out, readyPrefix) || strings.Count(out, "\n") != 1 {
		t.Errorf("stdout after mounting is %q, want exactly one line starting with %q", out, readyPrefix)
	}
	if !strings.Contains(out, m.Dir) {
		t.Errorf("the ready line %q does not name the mount point %s", out, m.Dir)
	}
	// docs/configuration.md: shows as kreafs of type fuse.kreafs.
	for _, e := range kreafstest.Mountinfo() {
		if e.Dir == m.Dir && (e.FSType != "fuse.kreafs" || e.Source != "kreafs") {
			t.Errorf("mountinfo shows %s as %q of type %q, want kreafs of type fuse.kreafs", m.Dir, e.Source, e.FSType)
		}
	}
}

func TestBadUsageExitsWithStatus2(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	for _, tc := range []struct {
		name  string
		flags []string
		noDir bool
	}{
		{"unknown flag", []string{"--no-such-flag"}, false},
		{"bad cache size", []string{"--cache-size", "lots"}, false},
		{"bad ttl", []string{"--dir-cache-ttl", "soon"}, false},
		{"no mount point", nil, true},
		{"--emulator with --api-url", []string{"--emulator", "--api-url", "http://127.0.0.1:1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"mount"}, tc.flags...)
			dir := filepath.Join(t.TempDir(), "mnt")
			if !tc.noDir {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				args = append(args, dir)
			}
			cmd := exec.Command(kreafsBin, args...)
			cmd.Env = append(baseEnv(t), "KREA_API_URL="+emu.URL(), "KREA_API_TOKEN="+emu.Token())
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			registerMountDir(dir)
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(mountTimeout):
				_ = cmd.Process.Kill()
				<-done
				_ = syscall.Unmount(dir, syscall.MNT_DETACH)
				t.Fatalf("kreafs %v still runs after %v", args, mountTimeout)
			}
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Errorf("kreafs %v: exit status %d, want 2 (bad usage)\nstderr: %s", args, code, stderr.String())
			}
			if stderr.Len() == 0 || strings.Contains(stdout.String(), readyPrefix) {
				t.Errorf("kreafs %v: stdout %q stderr %q, want a message on stderr and no ready line", args, stdout.String(), stderr.String())
			}
			if n := mountsAt(dir); n != 0 {
				t.Errorf("bad usage left %d mounts", n)
			}
		})
	}
}

func TestFlagsWinOverTheEnvironment(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(1, 2, 2), "here.png")
	tokenFile := writeTemp(t, "token", []byte("  "+emu.Token()+"  \n"))
	// The environment names a wrong token and a dead API; the flags win.
	m := mountWith(t, emu, mountOpts{NoURL: true, Token: kreafstest.RandomToken(),
		Env:   []string{"KREA_API_URL=http://127.0.0.1:1"},
		Flags: []string{"--api-url", emu.URL(), "--token-file", tokenFile}})
	m.Token = emu.Token()
	run(t, "cat", m.Path("assets", "here.png"))
}

func TestSignalsAndUmountEndTheMountCleanly(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(1, 2, 2), "a.png")

	t.Run("SIGINT", func(t *testing.T) {
		m := mount(t, emu)
		run(t, "cat", m.Path("assets", "a.png"))
		m.Signal(syscall.SIGINT)
		m.WaitExit(0)
	})
	t.Run("SIGTERM", func(t *testing.T) {
		m := mount(t, emu)
		run(t, "ls", m.Path("assets"))
		m.Stop()
	})
	t.Run("SIGTERM as soon as the ready line is out", func(t *testing.T) {
		// A script may stop kreafs the moment it says it is mounted.
		for i := 0; i < 5; i++ {
			m := startKreafs(t, emu, mountOpts{})
			select {
			case <-m.ready:
			case <-time.After(mountTimeout):
				t.Fatalf("no ready line within %v", mountTimeout)
			}
			m.Signal(syscall.SIGTERM)
			m.WaitExit(0)
			if t.Failed() {
				break
			}
		}
	})
	t.Run("umount", func(t *testing.T) {
		m := mount(t, emu)
		run(t, "ls", m.Path("assets"))
		if os.Geteuid() != 0 {
			t.Skip("umount of a FUSE mount needs root")
		}
		run(t, "umount", m.Dir)
		m.WaitExit(0)
	})
	t.Run("fusermount3 -u", func(t *testing.T) {
		needProgram(t, "fusermount3")
		m := mount(t, emu)
		run(t, "ls", m.Path("assets"))
		run(t, "fusermount3", "-u", m.Dir)
		m.WaitExit(0)
	})
}

func TestStopWithAFileOpenDetachesTheMount(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	emu.add(makePNG(1, 2, 2), "held.png")

	// docs/configuration.md: a busy mount is retried for a few seconds,
	// then detached lazily, and kreafs exits 0; a second signal skips the
	// retries. (Bounds: about 3 s of retries, plus up to 1 s waiting for the
	// kernel to let go after the lazy detach, plus slack for a loaded machine.)
	for _, tc := range []struct {
		name    string
		signals int
		within  time.Duration
	}{
		{"one SIGTERM", 1, 10 * time.Second},
		{"two SIGINTs", 2, 6 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mount(t, emu)
			f, err := os.Open(m.Path("assets", "held.png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			start := time.Now()
			sig := syscall.SIGTERM
			if tc.signals == 2 {
				sig = syscall.SIGINT
			}
			m.Signal(sig)
			if tc.signals == 2 {
				time.Sleep(200 * time.Millisecond)
				m.Signal(sig)
			}
			select {
			case <-m.done:
			case <-time.After(tc.within):
				t.Errorf("kreafs with a busy mount did not exit within %v", tc.within)
			}
			t.Logf("kreafs exited %v after the first signal", time.Since(start).Round(time.Millisecond))
			m.WaitExit(0)
			if _, err := f.Read(make([]byte, 10)); err == nil {
				t.Logf("the open file still reads after the lazy detach (page cache)")
			}
		})
	}
}

func TestKilledMountIsRecoveredByTheNextMount(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	data := makePNG(9, 10, 10)
	emu.add(data, "survivor.png")

	m1 := mount(t, emu)
	run(t, "cmp", writeTemp(t, "survivor.png", data), m1.Path("assets", "survivor.png"))
	m1.Kill()

	// What a user sees after a crash.
	_, stderr, err := runErr(t, "stat", m1.Dir)
	if err == nil || !strings.Contains(stderr, "Transport endpoint is not connected") {
		t.Errorf("stat of a killed mount: %v %q, want \"Transport endpoint is not connected\"", err, stderr)
	}

	// The next mount at the same place clears the stale mount.
	m2 := mountWith(t, emu, mountOpts{Dir: m1.Dir, CacheDir: m1.CacheDir})
	if n := mountsAt(m1.Dir); n != 1 {
		t.Errorf("%d mounts at %s after recovering, want 1 (the stale one stacked below?)", n, m1.Dir)
	}
	got, err := os.ReadFile(m2.Path("assets", "survivor.png"))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("reading after recovery: %v (or other bytes)", err)
	}
	m2.Stop()
	if n := mountsAt(m1.Dir); n != 0 {
		t.Errorf("%d mounts left at %s after the new mount stopped", n, m1.Dir)
	}
}

func TestMissingOrRejectedTokenIsAOneLineErrorAndMountsNothing(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{})
	wrong := kreafstest.RandomToken()
	badFile := writeTemp(t, "bad-token", []byte(wrong+"\n"))

	for _, tc := range []struct {
		name string
		o    mountOpts
	}{
		{"no token at all", mountOpts{NoToken: true}},
		{"wrong token in KREA_API_TOKEN", mountOpts{Token: wrong}},
		{"wrong token in --token-file", mountOpts{NoToken: true, Flags: []string{"--token-file", badFile}}},
		{"missing --token-file", mountOpts{NoToken: true, Flags: []string{"--token-file", badFile + ".nope"}}},
	} {
		// At the default log level, as a user starts it (the harness's
		// --log-level debug is overridden).
		tc.o.Flags = append(tc.o.Flags, "--log-level", "info")
		t.Run(tc.name, func(t *testing.T) {
			m := startKreafs(t, emu, tc.o)
			m.Token = wrong // must not be echoed either
			select {
			case <-m.done:
			case <-time.After(mountTimeout):
				t.Fatalf("kreafs still runs %v after starting with a bad token", mountTimeout)
			}
			m.WaitExit(1)
			if strings.Contains(m.Stdout(), readyPrefix) {
				t.Errorf("kreafs printed the ready line: %q", m.Stdout())
			}
			msg := strings.TrimRight(m.Stderr(), "\n")
			if msg == "" || strings.Contains(msg, "\n") {
				t.Errorf("stderr is %q, want one line saying what is wrong", m.Stderr())
			}
			if strings.Contains(msg, emu.Token()) {
				t.Errorf("stderr contains the emulator's token")
			}
		})
	}
}

func TestTokenFileWorksAndTheTokenNeverShowsInLogs(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	emu := startEmulator(t, emulator.Options{SeedAssets: 6})
	emu.add(makeWAV(5, 2<<20), "tone.wav")
	tokenFile := writeTemp(t, "token", []byte(emu.Token()+"\n"))

	// Faults make kreafs retry and log errors, where tokens like to leak.
	m := mountWith(t, emu, mountOpts{NoToken: true,
		Flags: []string{"--token-file", tokenFile, "--log-format", "json", "--dir-cache-ttl", "1s"}})
	m.Token = emu.Token()
	emu.SetFaultRate(0.3)
	emu.SetCutRate(0.3)
	for i := 0; i < 2; i++ {
		names, err := os.ReadDir(m.Path("assets"))
		if err != nil {
			continue // EIO after retries is allowed under faults
		}
		for _, n := range names {
			_, _ = os.ReadFile(m.Path("assets", n.Name()))
		}
		time.Sleep(1100 * time.Millisecond) // let the listing expire
	}
	_, _ = os.Stat(m.Path("assets", ".by-id", "does-not-exist"))
	emu.SetFaultRate(0)
	emu.SetCutRate(0)
	m.Stop()

	logs := m.Stderr()
	if strings.Contains(logs, emu.Token()) || strings.Contains(m.Stdout(), emu.Token()) {
		t.Errorf("the token appears in kreafs' output")
	}
	// --log-format json: every stderr line is one JSON object.
	lines := strings.Split(strings.TrimRight(logs, "\n"), "\n")
	for _, l := range lines {
		var v map[string]any
		if l != "" && json.Unmarshal([]byte(l), &v) != nil {
			t.Errorf("--log-format json wrote a line that is not a JSON object: %q", trunc(l))
			break
		}
	}
	if len(lines) < 5 {
		t.Errorf("--log-level debug wrote only %d log lines", len(lines))
	}
	if emu.AuthLeaked() {
		t.Errorf("the token was sent to a file host")
	}
}

// The README's first command, as issue 3's "Done when" tries it: mount
// --emulator, ls -l, cmp each file against curl of its image_url,
// identify/ffprobe read them, Ctrl-C unmounts.
func TestEmulatorFlagMountsASeededAccount(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	needProgram(t, "curl")
	m := mountWith(t, nil, mountOpts{NoURL: true, NoToken: true, Flags: []string{"--emulator"}})
	run(t, "ls", "-l", m.Path("assets"))

	// "kreafs: mounted http://127.0.0.1:PORT at DIR (...)"
	fields := strings.Fields(strings.TrimPrefix(m.Stdout(), readyPrefix))
	if len(fields) < 1 || !strings.HasPrefix(fields[0], "http") {
		t.Fatalf("cannot find the emulator's URL in the ready line %q", m.Stdout())
	}
	body := run(t, "curl", "-sSf", "-H", "Authorization: Bearer "+emulator.DefaultToken, fields[0]+"/assets?limit=1000")
	var page struct{ Items []api.Asset }
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Items) == 0 {
		t.Fatalf("GET /assets of the bundled emulator: %v, %d items", err, len(page.Items))
	}
	names := listNames(t, m.Path("assets"))
	if len(names) != len(page.Items) {
		t.Errorf("assets/ lists %d files, the emulator has %d assets", len(names), len(page.Items))
	}
	byIno := map[uint64]string{}
	for _, n := range names {
		byIno[inode(t, m.Path("assets", n))] = n
	}
	base := t.TempDir()
	for _, a := range page.Items {
		p := filepath.Join(base, a.ID)
		run(t, "curl", "-sSf", "-o", p, a.ImageURL)
		byID := m.Path("assets", ".by-id", a.ID)
		run(t, "cmp", p, byID)
		name, ok := byIno[inode(t, byID)]
		if !ok {
			t.Errorf("asset %s (%q) has no name in assets/", a.ID, a.Description)
			continue
		}
		run(t, "cmp", p, m.Path("assets", name))
		switch ext := filepath.Ext(name); ext {
		case ".png", ".jpg", ".webp":
			if _, err := exec.LookPath("identify"); err == nil {
				run(t, "identify", m.Path("assets", name))
			}
		case ".wav", ".mp3", ".mp4", ".mov", ".webm":
			if _, err := exec.LookPath("ffprobe"); err == nil {
				run(t, "ffprobe", "-v", "error", m.Path("assets", name))
			}
		}
	}
	m.Signal(syscall.SIGINT)
	m.WaitExit(0)
}
