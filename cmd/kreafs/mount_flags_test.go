package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestMountFlags(t *testing.T) {
	home := map[string]string{"HOME": "/home/u"}
	for _, tc := range []struct {
		story string
		args  []string
		env   map[string]string
		check func(t *testing.T, c *mountConfig)
		bad   string // substring of the usage error; "" means valid
	}{
		{"defaults", []string{"/mnt"}, home, func(t *testing.T, c *mountConfig) {
			if c.mountpoint != "/mnt" || c.apiURL != "https://api.krea.ai" || c.cacheDir != "/home/u/.cache/kreafs" ||
				c.cacheSize != 10<<30 || c.dirTTL != 5*time.Second || c.umask != 0o022 || c.uploadDelay != time.Second ||
				c.drainTime != 2*time.Minute || c.tempCache || c.readOnly || c.allowOther || c.emulator || c.logJSON || c.uid != uint32(os.Geteuid()) {
				t.Errorf("defaults: %+v", c)
			}
		}, ""},
		{"flags after the mount point (interspersed)", []string{"/mnt", "--emulator", "--read-only"}, home, func(t *testing.T, c *mountConfig) {
			if !c.emulator || !c.readOnly || c.mountpoint != "/mnt" {
				t.Errorf("%+v", c)
			}
		}, ""},
		{"KREA_API_URL is the default API", []string{"/mnt"}, map[string]string{"HOME": "/h", "KREA_API_URL": "http://127.0.0.1:8787"}, func(t *testing.T, c *mountConfig) {
			if c.apiURL != "http://127.0.0.1:8787" {
				t.Errorf("api %q", c.apiURL)
			}
		}, ""},
		{"--api-url beats KREA_API_URL", []string{"--api-url", "http://x", "/mnt"}, map[string]string{"HOME": "/h", "KREA_API_URL": "http://y"}, func(t *testing.T, c *mountConfig) {
			if c.apiURL != "http://x" {
				t.Errorf("api %q", c.apiURL)
			}
		}, ""},
		{"each emulator run gets a temporary cache dir", []string{"--emulator", "/mnt"}, home, func(t *testing.T, c *mountConfig) {
			if !c.tempCache || c.cacheDir != "" {
				t.Errorf("temp %v, cache dir %q", c.tempCache, c.cacheDir)
			}
		}, ""},
		{"an emulator run keeps a named cache dir", []string{"--emulator", "--cache-dir", "/c", "/mnt"}, home, func(t *testing.T, c *mountConfig) {
			if c.tempCache || c.cacheDir != "/c" {
				t.Errorf("temp %v, cache dir %q", c.tempCache, c.cacheDir)
			}
		}, ""},
		{"XDG_CACHE_HOME", []string{"/mnt"}, map[string]string{"HOME": "/h", "XDG_CACHE_HOME": "/xdg"}, func(t *testing.T, c *mountConfig) {
			if c.cacheDir != "/xdg/kreafs" {
				t.Errorf("cache dir %q", c.cacheDir)
			}
		}, ""},
		{"all the flags", []string{"--cache-dir", "/c", "--cache-size", "2GiB", "--dir-cache-ttl", "30s", "--log-level", "debug",
			"--log-format", "json", "--allow-other", "--uid", "7", "--gid", "8", "--umask", "077", "--debug-fuse",
			"--upload-delay", "0", "--drain-timeout", "10s", "--token-file", "/t", "/mnt"}, home, func(t *testing.T, c *mountConfig) {
			if c.cacheDir != "/c" || c.cacheSize != 2<<30 || c.dirTTL != 30*time.Second || c.logLevel.String() != "debug" ||
				!c.logJSON || !c.allowOther || c.uid != 7 || c.gid != 8 || c.umask != 0o077 || !c.debugFuse ||
				c.uploadDelay != 0 || c.drainTime != 10*time.Second || c.tokenFile != "/t" {
				t.Errorf("%+v", c)
			}
		}, ""},
		{"decimal cache size", []string{"--cache-size", "500MB", "/mnt"}, home, func(t *testing.T, c *mountConfig) {
			if c.cacheSize != 500e6 {
				t.Errorf("size %d", c.cacheSize)
			}
		}, ""},
		{"no mount point", nil, home, nil, "missing MOUNTPOINT"},
		{"two mount points", []string{"/a", "/b"}, home, nil, "one MOUNTPOINT"},
		{"unknown flag", []string{"--bogus", "/mnt"}, home, nil, "unknown flag"},
		{"bad cache size", []string{"--cache-size", "lots", "/mnt"}, home, nil, "--cache-size"},
		{"zero cache size", []string{"--cache-size", "0", "/mnt"}, home, nil, "--cache-size"},
		{"bad ttl", []string{"--dir-cache-ttl", "soon", "/mnt"}, home, nil, "dir-cache-ttl"},
		{"negative drain timeout", []string{"--drain-timeout", "-1s", "/mnt"}, home, nil, "--drain-timeout"},
		{"negative ttl", []string{"--dir-cache-ttl", "-1s", "/mnt"}, home, nil, "dir-cache-ttl"},
		{"bad log level", []string{"--log-level", "loud", "/mnt"}, home, nil, "--log-level"},
		{"bad log format", []string{"--log-format", "xml", "/mnt"}, home, nil, "--log-format"},
		{"bad umask", []string{"--umask", "999", "/mnt"}, home, nil, "--umask"},
		{"umask out of range", []string{"--umask", "7777", "/mnt"}, home, nil, "--umask"},
		{"bad uid", []string{"--uid", "-1", "/mnt"}, home, nil, "uid"},
		{"emulator with an API", []string{"--emulator", "--api-url", "http://x", "/mnt"}, home, nil, "--emulator"},
	} {
		t.Run(tc.story, func(t *testing.T) {
			c, _, err := parseMountFlags(tc.args, env(tc.env))
			if tc.bad != "" {
				var ue *usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.bad) {
					t.Errorf("error %v, want a usage error about %q", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestMountHelpAndBadUsageExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runMount([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--cache-size") {
		t.Errorf("--help: exit %d, stdout %q", code, out.String())
	}
	out.Reset()
	if code := runMount([]string{"--nope", "/mnt"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "Usage: kreafs mount") {
		t.Errorf("bad flag: exit %d, stderr %q", code, errb.String())
	}
	if _, _, err := parseMountFlags([]string{"-h"}, env(nil)); !errors.Is(err, pflag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestReadToken(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "tok")
	os.WriteFile(f, []byte("  secret-1 \nignored\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tc := range []struct {
		story string
		file  string
		env   string
		want  string
		err   string
	}{
		{"from the environment", "", "env-tok", "env-tok", ""},
		{"a token file wins over the environment", f, "env-tok", "secret-1", ""},
		{"missing token", "", "", "", "no API token"},
		{"blank token", "", "  ", "", "no API token"},
		{"empty token file", empty, "", "", "is empty"},
		{"missing token file", filepath.Join(dir, "nope"), "", "", "--token-file"},
	} {
		t.Run(tc.story, func(t *testing.T) {
			got, err := readToken(tc.file, env(map[string]string{"KREA_API_TOKEN": tc.env}))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				if err != nil && strings.Contains(err.Error(), "secret") {
					t.Errorf("error shows the token: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("token %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestCacheDirIsPrivate(t *testing.T) {
	base := t.TempDir()
	d := filepath.Join(base, "new", "kreafs")
	if err := prepareCacheDir(d); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 {
		t.Errorf("new cache dir mode %v, want 0700", fi.Mode().Perm())
	}
	loose := filepath.Join(base, "loose")
	os.Mkdir(loose, 0o755)
	os.Chmod(loose, 0o755)
	if err := prepareCacheDir(loose); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o700 {
		t.Errorf("our own 0755 cache dir was not tightened: %v", fi.Mode().Perm())
	}
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	if err := prepareCacheDir(open); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Errorf("world-writable cache dir: %v", err)
	}
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	if err := prepareCacheDir(file); err == nil {
		t.Errorf("a file as cache dir was accepted")
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(base, "other")
		os.Mkdir(other, 0o700)
		os.Chown(other, 4242, 4242)
		if err := prepareCacheDir(other); err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
			t.Errorf("cache dir of another user: %v", err)
		}
	}
}
