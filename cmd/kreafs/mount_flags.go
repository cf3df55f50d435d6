package main

// The flags of kreafs mount, all defined in newMountFlags (the one place to
// add one: its -o name and KREAFS_ variable follow from its name, see
// env.go and helper.go; docs/configuration.md lists them).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"

	"github.com/kreafs/kreafs/api/emulator"
)

// mountConfig is everything the flags say.
type mountConfig struct {
	mountpoint    string
	apiURL        string
	tokenFile     string
	emulator      bool
	emuSwitches   emulator.Options // behaviour switches of --emulator
	cacheDir      string
	cacheSize     int64
	dirTTL        time.Duration
	watchWindow   time.Duration // how long assets/ is re-listed after a listing
	logLevel      logrus.Level
	logJSON       bool
	logFile       string // --log-file: "" logs to stderr
	readOnly      bool
	allowOther    bool
	allowNonEmpty bool // mount over a directory that has entries
	daemon        bool // start a background copy and exit once it is mounted
	uid, gid      uint32
	umask         uint32
	debugFuse     bool
	uploadDelay   time.Duration // the upload queue's delay after the last close
	drainTime     time.Duration // how long unmount waits for queued uploads
	tempCache     bool          // --emulator without --cache-dir: a temporary cache dir, made by mount
	readAhead     readAheadConfig
	noGenerate    bool   // --no-generate: never start jobs from files
	metricsAddr   string // --metrics-addr: serve Prometheus metrics there (metrics.go); "" off
	xattrs        bool   // --xattrs: user.krea.* extended attributes
}

// usageError is bad usage: the message is printed with the usage, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// mountFlags holds what the flag set parses into, until finish checks it.
type mountFlags struct {
	fl                                    *pflag.FlagSet
	c                                     *mountConfig
	apiURL, cacheDir, cacheSize, logLevel *string
	logFormat, umask                      *string
	uid, gid                              *uint32
	readAhead                             func() (readAheadConfig, error)
}

// newMountFlags defines every flag of kreafs mount.
func newMountFlags() *mountFlags {
	c := &mountConfig{}
	fl := pflag.NewFlagSet("kreafs mount", pflag.ContinueOnError)
	fl.SetInterspersed(true) // kreafs mount /mnt --emulator
	fl.SetOutput(io.Discard) // errors are printed once, by the command
	fl.SortFlags = false
	f := &mountFlags{fl: fl, c: c}

	f.apiURL = fl.String("api-url", "", "Krea API base URL (default $KREA_API_URL, else "+defaultAPIURL+")")
	fl.StringVar(&c.tokenFile, "token-file", "", "read the API token from `FILE` (default: $KREA_API_TOKEN)")
	fl.BoolVar(&c.emulator, "emulator", false, "start the bundled Krea emulator in-process (sample data, no account) and mount it")
	addSwitchFlags(fl, &c.emuSwitches)
	f.cacheDir = fl.String("cache-dir", "", "cache directory `DIR` (default $XDG_CACHE_HOME/kreafs, else ~/.cache/kreafs)")
	f.cacheSize = fl.String("cache-size", defaultCacheSize, "most bytes of content kept in the cache (units: KB, MiB, GiB...)")
	fl.DurationVar(&c.dirTTL, "dir-cache-ttl", defaultDirCacheTTL, "how long a directory listing is trusted before asking the API again (SIGHUP: forget them now)")
	fl.DurationVar(&c.watchWindow, "watch-window", time.Minute, "after a listing of assets/, keep listing it every --dir-cache-ttl for this long, so deletions made elsewhere reach inotify (0: never)")
	f.logLevel = fl.String("log-level", "info", "log level: debug, info, warn, error")
	f.logFormat = fl.String("log-format", "text", "log format: text or json")
	fl.StringVar(&c.logFile, "log-file", "", "append the log to `FILE` instead of stderr (reopened on SIGUSR1, for logrotate)")
	fl.BoolVar(&c.daemon, "daemon", false, "run in the background: exit once mounted (status 0) or failed (its error and status)")
	fl.BoolVar(&c.readOnly, "read-only", false, "refuse every change (EROFS)")
	fl.BoolVar(&c.noGenerate, "no-generate", false, "never start jobs from files: mkdir in jobs/ and styles/, request.json and train.json get EPERM")
	fl.BoolVar(&c.allowOther, "allow-other", false, "let other users access the mount (needs user_allow_other in /etc/fuse.conf unless root)")
	fl.BoolVar(&c.allowNonEmpty, "allow-non-empty", false, "mount over a mount point that is not empty (hiding what it holds)")
	f.uid = fl.Uint32("uid", uint32(os.Geteuid()), "owner of every file")
	f.gid = fl.Uint32("gid", uint32(os.Getegid()), "group of every file")
	f.umask = fl.String("umask", defaultUmask, "octal permission bits cleared from 0644 files and 0755 directories")
	fl.BoolVar(&c.debugFuse, "debug-fuse", false, "log every FUSE request and reply (very verbose)")
	fl.DurationVar(&c.uploadDelay, "upload-delay", defaultUploadDelay, "wait this long after the last close before uploading a written file (0: at close; a temp file renamed to its final name, or fsynced, does not wait)")
	fl.DurationVar(&c.drainTime, "drain-timeout", defaultDrainTime, "at unmount, wait this long for queued uploads before exiting (0: do not wait; they stay queued for the next mount)")
	f.readAhead = addReadAheadFlags(fl)
	fl.BoolVar(&c.xattrs, "xattrs", false, "show the API's metadata as user.krea.* extended attributes (getfattr -d); costs ls -l two requests more per file")
	fl.StringVar(&c.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://`ADDR`/metrics (e.g. 127.0.0.1:9101; a bare :PORT is loopback only; default off)")
	return f
}

// parseMountFlags turns args (and the environment: KREAFS_<FLAG>,
// KREA_API_URL) into a mountConfig. --help gives pflag.ErrHelp.
func parseMountFlags(args []string, getenv func(string) string) (*mountConfig, *pflag.FlagSet, error) {
	f := newMountFlags()
	if err := f.fl.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, f.fl, err
		}
		return nil, f.fl, &usageError{err.Error()}
	}
	c, err := f.finish(f.fl.Args(), getenv)
	return c, f.fl, err
}

// finish applies the environment to the flags not given, checks them and
// the positional arguments, and fills in the defaults.
func (f *mountFlags) finish(args []string, getenv func(string) string) (*mountConfig, error) {
	fl, c := f.fl, f.c
	if err := applyEnv(fl, getenv); err != nil {
		return nil, err
	}
	if len(args) != 1 {
		if len(args) == 0 {
			return nil, &usageError{"missing MOUNTPOINT"}
		}
		return nil, &usageError{fmt.Sprintf("one MOUNTPOINT expected, got %d arguments", len(args))}
	}
	c.mountpoint = args[0]

	c.apiURL = *f.apiURL
	if c.apiURL == "" {
		c.apiURL = getenv("KREA_API_URL")
	}
	if c.apiURL == "" {
		c.apiURL = defaultAPIURL
	}
	if c.emulator && (fl.Changed("api-url") || fl.Changed("token-file")) {
		return nil, &usageError{"--emulator cannot be combined with --api-url or --token-file"}
	}
	if !c.emulator && switchesSet(fl) {
		return nil, &usageError{"emulator behaviour flags (--cursor-field, ...) need --emulator"}
	}
	if err := c.emuSwitches.CheckSwitches(); err != nil {
		return nil, &usageError{switchFlagError(err)}
	}

	c.cacheDir = *f.cacheDir
	if c.cacheDir == "" && c.emulator {
		// Each demo gets its own, removed at exit: two demos run side by
		// side, and demo data never mixes with a real account's.
		c.tempCache = true
	} else if c.cacheDir == "" {
		d, err := defaultCacheDir(getenv)
		if err != nil {
			return nil, &usageError{err.Error() + "; use --cache-dir"}
		}
		c.cacheDir = d
	}
	n, err := humanize.ParseBytes(*f.cacheSize)
	if err != nil || n == 0 || n > 1<<62 {
		return nil, &usageError{fmt.Sprintf("invalid --cache-size %q: want a positive size such as 2GiB", *f.cacheSize)}
	}
	c.cacheSize = int64(n)
	if c.dirTTL < 0 {
		return nil, &usageError{"--dir-cache-ttl must not be negative"}
	}
	if c.watchWindow < 0 {
		return nil, &usageError{"--watch-window must not be negative"}
	}
	if c.uploadDelay < 0 {
		return nil, &usageError{"--upload-delay must not be negative"}
	}
	if c.drainTime < 0 {
		return nil, &usageError{"--drain-timeout must not be negative"}
	}
	if c.logLevel, err = parseLevel(*f.logLevel); err != nil {
		return nil, &usageError{err.Error()}
	}
	switch *f.logFormat {
	case "text":
	case "json":
		c.logJSON = true
	default:
		return nil, &usageError{fmt.Sprintf("invalid --log-format %q: want text or json", *f.logFormat)}
	}
	c.uid, c.gid = *f.uid, *f.gid
	m, err := strconv.ParseUint(*f.umask, 8, 32)
	if err != nil || m > 0o777 {
		return nil, &usageError{fmt.Sprintf("invalid --umask %q: want octal such as 022 or 077", *f.umask)}
	}
	c.umask = uint32(m)
	if c.readAhead, err = f.readAhead(); err != nil {
		return nil, err
	}
	return c, nil
}

func parseLevel(s string) (logrus.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return logrus.DebugLevel, nil
	case "info":
		return logrus.InfoLevel, nil
	case "warn", "warning":
		return logrus.WarnLevel, nil
	case "error":
		return logrus.ErrorLevel, nil
	}
	return 0, fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", s)
}

// defaultCacheDir is $XDG_CACHE_HOME/kreafs, else ~/.cache/kreafs.
func defaultCacheDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_CACHE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "kreafs"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("no home directory for the default cache dir")
		}
		home = h
	}
	return filepath.Join(home, ".cache", "kreafs"), nil
}
