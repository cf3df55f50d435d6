package main

// kreafs mount: flags -> configuration; wires api -> cache -> fs; signals;
// exit codes (0 unmounted cleanly, 1 runtime failure, 2 bad usage).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
	"github.com/kreafs/kreafs/cache"
	kfs "github.com/kreafs/kreafs/fs"
)

const mountUsage = `Usage: kreafs mount [flags] MOUNTPOINT

Mounts a Krea account at MOUNTPOINT: assets/, jobs/, styles/. Runs in the
foreground until Ctrl-C, SIGTERM or umount; then uploads what is still
queued (up to --drain-timeout; Ctrl-C again stops at once, keeping it for
the next mount) and exits. The token comes from KREA_API_TOKEN or
--token-file; --emulator needs none.

Flags:
`

// Defaults of the mount flags (docs/configuration.md explains each).
const (
	defaultAPIURL      = api.DefaultBaseURL
	defaultCacheSize   = "10GiB"
	defaultDirCacheTTL = 5 * time.Second
	defaultUploadDelay = time.Second
	defaultDrainTime   = 2 * time.Minute
	defaultUmask       = "022"
)

// Seed of the --emulator demo account.
const (
	emulatorAssets = 24
	emulatorJobs   = 6
	emulatorStyles = 4
)

// watchStartup cancels the returned context when a signal arrives before
// stop is called; stop reports whether that happened (the signal is then
// consumed). After stop, signals stay in sigs for serve.
func watchStartup(sigs <-chan os.Signal) (ctx context.Context, stop func() (interrupted bool)) {
	ctx, cancel := context.WithCancel(context.Background())
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-sigs:
			cancel()
		case <-quit:
		}
	}()
	var once sync.Once
	return ctx, func() bool {
		once.Do(func() { close(quit) })
		<-done
		return ctx.Err() != nil
	}
}

// startupCheckTimeout bounds the token check at start.
const startupCheckTimeout = 20 * time.Second

// mountConfig is everything the flags say.
type mountConfig struct {
	mountpoint  string
	apiURL      string
	tokenFile   string
	emulator    bool
	emuSwitches emulator.Options // behaviour switches of --emulator
	cacheDir    string
	cacheSize   int64
	dirTTL      time.Duration
	logLevel    logrus.Level
	logJSON     bool
	readOnly    bool
	allowOther  bool
	uid, gid    uint32
	umask       uint32
	debugFuse   bool
	uploadDelay time.Duration // the upload queue's delay after the last close
	drainTime   time.Duration // how long unmount waits for queued uploads
	tempCache   bool          // --emulator without --cache-dir: a temporary cache dir, made by mount
	readAhead   readAheadConfig
	noGenerate  bool // --no-generate
}

// usageError is bad usage: the message is printed with the usage, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseMountFlags turns args (and KREA_API_URL) into a mountConfig.
// --help gives pflag.ErrHelp.
func parseMountFlags(args []string, getenv func(string) string) (*mountConfig, *pflag.FlagSet, error) {
	c := &mountConfig{}
	fl := pflag.NewFlagSet("kreafs mount", pflag.ContinueOnError)
	fl.SetInterspersed(true) // kreafs mount /mnt --emulator
	fl.SetOutput(io.Discard) // errors are printed once, by runMount
	fl.SortFlags = false

	apiURL := fl.String("api-url", "", "Krea API base URL (default $KREA_API_URL, else "+defaultAPIURL+")")
	fl.StringVar(&c.tokenFile, "token-file", "", "read the API token from `FILE` (default: $KREA_API_TOKEN)")
	fl.BoolVar(&c.emulator, "emulator", false, "start the bundled Krea emulator in-process (sample data, no account) and mount it")
	addSwitchFlags(fl, &c.emuSwitches)
	cacheDir := fl.String("cache-dir", "", "cache directory `DIR` (default $XDG_CACHE_HOME/kreafs, else ~/.cache/kreafs)")
	cacheSize := fl.String("cache-size", defaultCacheSize, "most bytes of content kept in the cache (units: KB, MiB, GiB...)")
	fl.DurationVar(&c.dirTTL, "dir-cache-ttl", defaultDirCacheTTL, "how long a directory listing is trusted before asking the API again")
	logLevel := fl.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fl.String("log-format", "text", "log format on stderr: text or json")
	fl.BoolVar(&c.readOnly, "read-only", false, "refuse every change (EROFS)")
	fl.BoolVar(&c.noGenerate, "no-generate", false, "never start jobs from files: mkdir in jobs/ and styles/, request.json and train.json get EPERM")
	fl.BoolVar(&c.allowOther, "allow-other", false, "let other users access the mount (needs user_allow_other in /etc/fuse.conf unless root)")
	uid := fl.Uint32("uid", uint32(os.Geteuid()), "owner of every file")
	gid := fl.Uint32("gid", uint32(os.Getegid()), "group of every file")
	umask := fl.String("umask", defaultUmask, "octal permission bits cleared from 0644 files and 0755 directories")
	fl.BoolVar(&c.debugFuse, "debug-fuse", false, "log every FUSE request and reply (very verbose)")
	fl.DurationVar(&c.uploadDelay, "upload-delay", defaultUploadDelay, "wait this long after the last close before uploading a written file (0: at close)")
	fl.DurationVar(&c.drainTime, "drain-timeout", defaultDrainTime, "at unmount, wait this long for queued uploads before exiting (0: do not wait; they stay queued for the next mount)")
	readAhead := addReadAheadFlags(fl)

	if err := fl.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, fl, err
		}
		return nil, fl, &usageError{err.Error()}
	}
	if fl.NArg() != 1 {
		if fl.NArg() == 0 {
			return nil, fl, &usageError{"missing MOUNTPOINT"}
		}
		return nil, fl, &usageError{fmt.Sprintf("one MOUNTPOINT expected, got %d arguments", fl.NArg())}
	}
	c.mountpoint = fl.Arg(0)

	c.apiURL = *apiURL
	if c.apiURL == "" {
		c.apiURL = getenv("KREA_API_URL")
	}
	if c.apiURL == "" {
		c.apiURL = defaultAPIURL
	}
	if c.emulator && (fl.Changed("api-url") || fl.Changed("token-file")) {
		return nil, fl, &usageError{"--emulator cannot be combined with --api-url or --token-file"}
	}
	if !c.emulator && switchesSet(fl) {
		return nil, fl, &usageError{"emulator behaviour flags (--cursor-field, ...) need --emulator"}
	}
	if err := c.emuSwitches.CheckSwitches(); err != nil {
		return nil, fl, &usageError{switchFlagError(err)}
	}

	c.cacheDir = *cacheDir
	if c.cacheDir == "" && c.emulator {
		// Each demo gets its own, removed at exit: two demos run side by
		// side, and demo data never mixes with a real account's.
		c.tempCache = true
	} else if c.cacheDir == "" {
		d, err := defaultCacheDir(getenv)
		if err != nil {
			return nil, fl, &usageError{err.Error() + "; use --cache-dir"}
		}
		c.cacheDir = d
	}
	n, err := humanize.ParseBytes(*cacheSize)
	if err != nil || n == 0 || n > 1<<62 {
		return nil, fl, &usageError{fmt.Sprintf("invalid --cache-size %q: want a positive size such as 2GiB", *cacheSize)}
	}
	c.cacheSize = int64(n)
	if c.dirTTL < 0 {
		return nil, fl, &usageError{"--dir-cache-ttl must not be negative"}
	}
	if c.uploadDelay < 0 {
		return nil, fl, &usageError{"--upload-delay must not be negative"}
	}
	if c.drainTime < 0 {
		return nil, fl, &usageError{"--drain-timeout must not be negative"}
	}
	if c.logLevel, err = parseLevel(*logLevel); err != nil {
		return nil, fl, &usageError{err.Error()}
	}
	switch *logFormat {
	case "text":
	case "json":
		c.logJSON = true
	default:
		return nil, fl, &usageError{fmt.Sprintf("invalid --log-format %q: want text or json", *logFormat)}
	}
	c.uid, c.gid = *uid, *gid
	m, err := strconv.ParseUint(*umask, 8, 32)
	if err != nil || m > 0o777 {
		return nil, fl, &usageError{fmt.Sprintf("invalid --umask %q: want octal such as 022 or 077", *umask)}
	}
	c.umask = uint32(m)
	if c.readAhead, err = readAhead(); err != nil {
		return nil, fl, err
	}
	return c, fl, nil
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

func newLogger(c *mountConfig, stderr io.Writer) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(stderr)
	l.SetLevel(c.logLevel)
	if c.logJSON {
		l.SetFormatter(&logrus.JSONFormatter{})
	} else {
		l.SetFormatter(&logrus.TextFormatter{FullTimestamp: true, DisableColors: true})
	}
	return l
}

// runMount is "kreafs mount".
func runMount(args []string, stdout, stderr io.Writer) int {
	c, fl, err := parseMountFlags(args, os.Getenv)
	if err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, mountUsage+fl.FlagUsages())
			return 0
		}
		fmt.Fprintf(stderr, "kreafs mount: %v\n\n%s%s", err, mountUsage, fl.FlagUsages())
		return 2
	}
	logger := newLogger(c, stderr)
	if err := mount(c, logger, stdout); err != nil {
		// One line, the cause; never the token (no error below carries it).
		fmt.Fprintf(stderr, "kreafs: %v\n", err)
		return 1
	}
	return 0
}

// account is the API a mount talks to.
type account struct {
	url, token string
	emu        *emulator.Server // set with --emulator; closed after unmount
}

// resolveAccount finds the API URL and token, or starts the emulator.
func resolveAccount(c *mountConfig, log logrus.FieldLogger) (*account, error) {
	if c.emulator {
		o := emulator.Options{
			// The demo account's well-known token is not a secret: it is
			// printed so users can drive the same emulator with curl.
			Token:      emulator.DefaultToken,
			SeedAssets: emulatorAssets,
			SeedJobs:   emulatorJobs,
			SeedStyles: emulatorStyles,
			Log:        log.WithField("component", "emulator"),
		}
		applySwitches(&o, c.emuSwitches)
		emu, err := emulator.Start(o)
		if err != nil {
			return nil, fmt.Errorf("starting the emulator: %w", err)
		}
		return &account{url: emu.URL(), token: emu.Token(), emu: emu}, nil
	}
	token, err := readToken(c.tokenFile, os.Getenv)
	if err != nil {
		return nil, err
	}
	return &account{url: c.apiURL, token: token}, nil
}

// readToken reads --token-file (first line, trimmed) or KREA_API_TOKEN.
func readToken(file string, getenv func(string) string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading --token-file: %w", err)
		}
		tok, _, _ := strings.Cut(string(b), "\n")
		tok = strings.TrimSpace(tok)
		if tok == "" {
			return "", fmt.Errorf("--token-file %s is empty", file)
		}
		return tok, nil
	}
	if tok := strings.TrimSpace(getenv("KREA_API_TOKEN")); tok != "" {
		return tok, nil
	}
	return "", errors.New("no API token: set KREA_API_TOKEN or use --token-file FILE (or try --emulator)")
}

// checkToken makes one cheap call. A rejected token is fatal; an
// unreachable API is not (the mount then starts from what the cache and
// the saved listing hold), and is reported as offline.
func checkToken(ctx context.Context, client *api.Client, log logrus.FieldLogger) (offline bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, startupCheckTimeout)
	defer cancel()
	_, err = client.ListAssets(ctx, 1, "")
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, api.ErrUnauthorized), errors.Is(err, api.ErrForbidden):
		return false, fmt.Errorf("the API rejected the token (%v)", err)
	}
	log.WithError(err).Warn("API unreachable at start: mounting from the cache; it will be retried")
	return true, nil
}

// mount runs one mount until it ends. Errors are one line for the user.
func mount(c *mountConfig, logger *logrus.Logger, stdout io.Writer) error {
	// Signals are caught from the start: one that arrives while starting
	// cancels the start; one right after the ready line unmounts cleanly.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, stopWatch := watchStartup(sigs)
	started := false
	defer func() {
		if !started {
			stopWatch()
		}
	}()

	mp, err := prepareMountpoint(c.mountpoint, logger)
	if err != nil {
		return err
	}
	if c.tempCache {
		d, err := os.MkdirTemp("", "kreafs-emulator-cache-")
		if err != nil {
			return fmt.Errorf("temporary cache dir: %w", err)
		}
		defer os.RemoveAll(d) // last: after the queue, the tree and the cache closed
		c.cacheDir = d
	}
	if err := prepareCacheDir(c.cacheDir); err != nil {
		return err
	}
	acct, err := resolveAccount(c, logger)
	if err != nil {
		return err
	}
	if acct.emu != nil {
		defer acct.emu.Close()
	}
	client, err := api.New(api.Config{BaseURL: acct.url, Token: acct.token, Log: logger.WithField("component", "api")})
	if err != nil {
		return fmt.Errorf("API client: %w", err)
	}
	offline, err := checkToken(ctx, client, logger)
	if ctx.Err() != nil {
		logger.Info("interrupted while starting; nothing mounted")
		return nil
	}
	if err != nil {
		return err
	}
	raMin, raMax := c.readAhead.cacheReadAhead()
	store, err := cache.Open(cache.Options{
		Dir:          filepath.Join(c.cacheDir, "content"),
		MaxBytes:     c.cacheSize,
		Fetcher:      client,
		Log:          logger,
		ReadAheadMin: raMin,
		ReadAhead:    raMax,
	})
	if err != nil {
		return fmt.Errorf("opening the cache: %w", err)
	}
	defer store.Close()
	uploads, err := openUploads(c, client, logger)
	if err != nil {
		return err
	}
	defer uploads.close() // on the error paths below

	root, err := kfs.NewRoot(kfs.Config{
		Remote:      client,
		Content:     store,
		DirCacheTTL: c.dirTTL,
		UID:         c.uid,
		GID:         c.gid,
		Umask:       c.umask,
		UmaskSet:    true,
		ReadOnly:    c.readOnly,
		NoGenerate:  c.noGenerate,
		Mountpoint:  mp,
		StateDir:    filepath.Join(c.cacheDir, "state"),
		Scope:       acct.url,
		Offline:     offline,
		Uploads:     uploads.q,
		Log:         logger,
	})
	if err != nil {
		return err
	}
	defer root.Close()
	defer uploads.close() // after unmounting, before the tree and the cache close
	if ctx.Err() != nil {
		logger.Info("interrupted while starting; nothing mounted")
		return nil
	}
	mo := kfs.MountOptions{AllowOther: c.allowOther, Debug: c.debugFuse}
	if c.debugFuse {
		// Printed whatever --log-level says: the user asked for it.
		mo.DebugLog = log.New(logger.Out, "fuse: ", log.Lmicroseconds)
	}
	srv, err := kfs.Mount(mp, root, mo)
	if err != nil {
		return err
	}
	started = true
	if interrupted := stopWatch(); interrupted {
		sigs <- syscall.SIGTERM // serve unmounts at once
	}
	fmt.Fprintf(stdout, "kreafs: mounted %s at %s (Ctrl-C to unmount)\n", acct.url, mp)
	if acct.emu != nil {
		fmt.Fprintf(logger.Out, "kreafs: the emulator's API is at %s; to use it directly:\n  export KREA_API_URL=%s KREA_API_TOKEN=%s\n",
			acct.url, acct.url, acct.emu.Token())
	}
	logger.WithFields(logrus.Fields{"api": acct.url, "mountpoint": mp, "cache_dir": c.cacheDir,
		"cache_size": humanize.IBytes(uint64(c.cacheSize)), "read_only": c.readOnly}).Info("mounted")
	again := serve(srv, mp, sigs, logger)
	logger.WithField("mountpoint", mp).Info("unmounted")
	uploads.drain(sigs, c.drainTime, again, c.tempCache)
	return nil
}
