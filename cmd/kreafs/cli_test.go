package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"
)

func TestEveryFlagComesFromItsKreafsVariableAndTheCommandLineWins(t *testing.T) {
	vars := map[string]string{
		"HOME": "/h", "KREAFS_CACHE_DIR": "/env-cache", "KREAFS_READ_ONLY": "true", "KREAFS_UMASK": "077",
		"KREAFS_DIR_CACHE_TTL": "1m", "KREAFS_CACHE_SIZE": "1GiB", "KREAFS_LOG_FILE": "/var/log/k.log",
		"KREAFS_ALLOW_NON_EMPTY": "1", "KREAFS_READ_AHEAD_MAX": "1MiB",
	}
	c, _, err := parseMountFlags([]string{"/mnt"}, env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if c.cacheDir != "/env-cache" || !c.readOnly || c.umask != 0o077 || c.dirTTL != time.Minute || c.cacheSize != 1<<30 ||
		c.logFile != "/var/log/k.log" || !c.allowNonEmpty || c.readAhead.max != 1<<20 {
		t.Errorf("from the environment: %+v", c)
	}
	c, _, err = parseMountFlags([]string{"--cache-dir", "/flag-cache", "--umask", "022", "/mnt"}, env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if c.cacheDir != "/flag-cache" || c.umask != 0o022 || !c.readOnly {
		t.Errorf("flags did not win: cache %q umask %o", c.cacheDir, c.umask)
	}
	_, _, err = parseMountFlags([]string{"/mnt"}, env(map[string]string{"HOME": "/h", "KREAFS_UPLOAD_DELAY": "soon"}))
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "KREAFS_UPLOAD_DELAY") {
		t.Errorf("a bad variable: %v, want a usage error naming KREAFS_UPLOAD_DELAY", err)
	}
	// Every flag has its variable: the name follows from the flag's.
	f := newMountFlags()
	f.fl.VisitAll(func(fl *pflag.Flag) {
		if got := envName(fl.Name); !strings.HasPrefix(got, "KREAFS_") || strings.Contains(got, "-") {
			t.Errorf("--%s: variable %q", fl.Name, got)
		}
	})
}

func TestMountHelperOptionsBecomeMountFlags(t *testing.T) {
	args, err := helperMountArgs([]string{"krea", "/mnt/krea", "-o",
		"rw,token_file=/etc/kreafs/token,cache_dir=/var/cache/kreafs,cache_size=2GiB,ro,allow_other,uid=5,gid=6,umask=027," +
			"_netdev,nofail,noauto,x-systemd.automount,x-systemd.idle-timeout=60,dev,suid,exec,auto,user,nonempty,log_file=/var/log/kreafs.log",
		"-n"})
	if err != nil {
		t.Fatal(err)
	}
	if args[0] != "mount" || args[1] != "--daemon" || args[len(args)-2] != "--" || args[len(args)-1] != "/mnt/krea" {
		t.Fatalf("args %q", args)
	}
	c, _, err := parseMountFlags(args[1:], env(map[string]string{"HOME": "/h"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.mountpoint != "/mnt/krea" || c.tokenFile != "/etc/kreafs/token" || c.cacheDir != "/var/cache/kreafs" ||
		c.cacheSize != 2<<30 || !c.readOnly || !c.allowOther || c.uid != 5 || c.gid != 6 || c.umask != 0o027 ||
		!c.daemon || !c.allowNonEmpty || c.logFile != "/var/log/kreafs.log" || c.apiURL != defaultAPIURL {
		t.Errorf("%+v", c)
	}

	args, err = helperMountArgs([]string{"http://127.0.0.1:8787", "/m", "-o", "daemon=false,read_only"})
	if err != nil {
		t.Fatal(err)
	}
	if c, _, err = parseMountFlags(args[1:], env(map[string]string{"HOME": "/h"})); err != nil || c.apiURL != "http://127.0.0.1:8787" || c.daemon || !c.readOnly {
		t.Errorf("URL source, daemon=false: %+v %v", c, err)
	}
	// Every flag of kreafs mount is an option of the same name.
	newMountFlags().fl.VisitAll(func(f *pflag.Flag) {
		o := strings.ReplaceAll(f.Name, "-", "_") + "=" + f.DefValue
		got, err := optionFlag(o, newMountFlags().fl)
		if err != nil || len(got) != 1 || got[0] != "--"+f.Name+"="+f.DefValue {
			t.Errorf("-o %s: %q, %v", o, got, err)
		}
	})
	for _, bad := range [][]string{
		{"krea", "/m", "-o", "colour=blue"},
		{"krea", "/m", "-o", "cache_dir"},
		{"krea", "/m", "-o", "help"},
		{"ftp://x", "/m"},
		{"krea"},
		{"krea", "/m", "-q"},
	} {
		if _, err := helperMountArgs(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	// mount.fuse3 runs "kreafs SOURCE MOUNTPOINT -o ...": that is the helper form too.
	if h, ok := asHelper([]string{"krea", "/m", "-o", "ro"}); !ok || len(h) != 4 {
		t.Errorf("kreafs krea /m -o ro is not read as the helper form")
	}
	if _, ok := asHelper([]string{"mount", "/m"}); ok {
		t.Errorf("kreafs mount /m read as the helper form")
	}
}

func TestUnmountFindsTheMountPointInKreafsCommandLines(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"kreafs", "mount", "--cache-dir", "/c", "/mnt/a"}, "/mnt/a"},
		{[]string{"/usr/bin/kreafs", "mount", "/mnt/b", "--read-only"}, "/mnt/b"},
		{[]string{"kreafs", "mount", "--emulator=true", "--log-file=/l", "--", "/mnt/c"}, "/mnt/c"},
		{[]string{"/sbin/mount.fuse.kreafs", "krea", "/mnt/d", "-o", "rw,cache_dir=/c"}, "/mnt/d"},
		{[]string{"kreafs", "krea", "/mnt/e", "-o", "rw"}, "/mnt/e"},
		{[]string{"kreafs", "unmount", "/mnt/a"}, ""},
		{[]string{"kreafs", "emulator"}, ""},
		{[]string{"sshfs", "mount", "/mnt/a"}, ""},
	} {
		if got := mountpointOf(tc.argv); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.argv, got, tc.want)
		}
	}
}

func TestVersionComesFromTheBuildInfoWithoutLdflags(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}
	if got := buildInfoVersion(bi); got != "v0.4.0" {
		t.Errorf("go install @v0.4.0: %q", got)
	}
	bi = &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-05T06:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got := buildInfoVersion(bi); got != "(devel) rev 0123456789ab 2026-12-05T06:00:00Z (modified)" {
		t.Errorf("a checkout build: %q", got)
	}
	var out bytes.Buffer
	if code := run([]string{"version"}, &out, &out); code != 0 || !strings.HasPrefix(out.String(), "kreafs ") || strings.Contains(out.String(), "kreafs dev") {
		t.Errorf("kreafs version: %d %q", code, out.String())
	}
}

func TestCompletionScriptsAndManPagesComeFromTheFlagDefinitions(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		var out, errb bytes.Buffer
		if code := run([]string{"completion", sh}, &out, &errb); code != 0 || !strings.Contains(out.String(), "kreafs") {
			t.Errorf("completion %s: exit %d, %d bytes, %s", sh, code, out.Len(), errb.String())
		}
	}
	// The completion of flags works (cobra's __complete, as the scripts call it).
	var out, errb bytes.Buffer
	if code := run([]string{"__complete", "mount", "--cache-"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--cache-dir") {
		t.Errorf("__complete mount --cache-: %d %q", code, out.String())
	}
	dir := t.TempDir()
	if code := run([]string{"man", dir}, &out, &errb); code != 0 {
		t.Fatalf("man: exit %d %s", code, errb.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "kreafs-mount.1"))
	if err != nil || !bytes.Contains(b, []byte("--cache-dir")) || !bytes.Contains(b, []byte("--allow-non-empty")) || !bytes.Contains(b, []byte("KREAFS_CACHE_DIR")) {
		t.Errorf("kreafs-mount.1: %v\n%.500s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "kreafs.1")); err != nil {
		t.Error(err)
	}
}

func TestJournalLinesCarryTheirPriorityAndNoTimestamp(t *testing.T) {
	var out bytes.Buffer
	l := newLogger(&mountConfig{logLevel: logrus.DebugLevel}, &out, true)
	l.Error("e")
	l.Warn("w")
	l.Info("i")
	l.Debug("d")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, p := range []string{"<3>", "<4>", "<6>", "<7>"} {
		if i >= len(lines) || !strings.HasPrefix(lines[i], p) || strings.Contains(lines[i], "time=") {
			t.Errorf("line %d %q, want the prefix %s and no time=", i, lines[i], p)
		}
	}
	if stderrIsJournal(env(map[string]string{"JOURNAL_STREAM": "1:2"})) {
		t.Error("a JOURNAL_STREAM that is not stderr was taken for the journal")
	}
	// systemd sets JOURNAL_STREAM to the device and inode of the stream it
	// gave as stderr.
	var st syscall.Stat_t
	if err := syscall.Fstat(2, &st); err != nil {
		t.Fatal(err)
	}
	js := fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino))
	if !stderrIsJournal(env(map[string]string{"JOURNAL_STREAM": js})) {
		t.Errorf("JOURNAL_STREAM=%s naming stderr was not recognised", js)
	}
}

func TestTheLogFileIsReopenedAfterLogrotateMovedIt(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kreafs.log")
	lf, err := openLogFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	lf.Write([]byte("one\n"))
	if err := os.Rename(p, p+".1"); err != nil {
		t.Fatal(err)
	}
	lf.Write([]byte("two\n"))
	if err := lf.Reopen(); err != nil {
		t.Fatal(err)
	}
	lf.Write([]byte("three\n"))
	old, _ := os.ReadFile(p + ".1")
	cur, _ := os.ReadFile(p)
	if string(old) != "one\ntwo\n" || string(cur) != "three\n" {
		t.Errorf("rotated %q, current %q", old, cur)
	}
}

func TestConfigurationDocListsEveryFlagWithItsOptionAndVariable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	newMountFlags().fl.VisitAll(func(f *pflag.Flag) {
		for _, want := range []string{"`--" + f.Name, strings.ReplaceAll(f.Name, "-", "_"), envName(f.Name)} {
			if !strings.Contains(doc, want) {
				t.Errorf("docs/configuration.md lacks %q (flag --%s)", want, f.Name)
			}
		}
	})
}
