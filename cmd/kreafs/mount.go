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
	"github.com/kreafs/kreafs/cmd/kreafs/internal/metrics"
	kfs "github.com/kreafs/kreafs/fs"
)

const mountUsage = `Usage: kreafs mount [flags] MOUNTPOINT

Mounts a Krea account at MOUNTPOINT: assets/, jobs/, styles/. Runs in the
foreground (--daemon: in the background) until Ctrl-C, SIGTERM, kreafs
unmount MOUNTPOINT or umount; then uploads what is still queued (up to
--drain-timeout; Ctrl-C again stops at once, keeping it for the next
mount) and exits. The token comes from KREA_API_TOKEN or --token-file;
--emulator needs none.

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

// runMountConfig mounts as c says: in the foreground, or (--daemon) by
// starting a background copy and waiting for its outcome.
func runMountConfig(c *mountConfig, fl *pflag.FlagSet, stdout, stderr io.Writer) int {
	pipe := daemonReadyPipe()
	if c.daemon && pipe == nil {
		return startDaemon(c, fl, stdout, stderr)
	}
	lc := &lifecycle{stdout: stdout, pipe: pipe, sd: newNotifier(os.Getenv)}
	if pipe != nil {
		if err := settleDaemon(c); err != nil {
			lc.failed(err)
			return 1
		}
	}
	out, reopen, err := logOutput(c, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kreafs: %v\n", err)
		lc.failed(err)
		return 1
	}
	defer reopen.Close()
	journal := c.logFile == "" && stderrIsJournal(os.Getenv)
	logger := newLogger(c, out, journal)
	if err := mount(c, logger, lc, reopen); err != nil {
		// One line, the cause; never the token (no error below carries it).
		prio := ""
		if journal {
			prio = fmt.Sprintf("<%d>", journalPriority(logrus.ErrorLevel))
		}
		fmt.Fprintf(stderr, "%skreafs: %v\n", prio, err)
		if reopen != nil {
			logger.Error(err.Error())
		}
		lc.failed(err)
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
// the saved listing hold, if there is one), and is returned as unreachable.
func checkToken(ctx context.Context, client *api.Client) (unreachable, err error) {
	ctx, cancel := context.WithTimeout(ctx, startupCheckTimeout)
	defer cancel()
	_, err = client.ListAssets(ctx, 1, "")
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, api.ErrUnauthorized), errors.Is(err, api.ErrForbidden):
		return nil, fmt.Errorf("the API rejected the token (%v)", err)
	}
	return err, nil
}

// mount runs one mount until it ends. Errors are one line for the user.
func mount(c *mountConfig, logger *logrus.Logger, lc *lifecycle, logs *logFile) error {
	// Signals are caught from the start: one that arrives while starting
	// cancels the start; one right after the ready line unmounts cleanly.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	dropper := &hupTarget{}
	stopOthers := watchOtherSignals(lc.pipe != nil, dropper, logs, logger)
	defer stopOthers()
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
	if err := checkMountpoint(mp, c.allowNonEmpty); err != nil {
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
	observeAccount(acct)
	met := metrics.New(c.metricsAddr, acct.url) // nil: --metrics-addr not given
	if acct.emu != nil {
		defer acct.emu.Close()
	}
	client, err := api.New(api.Config{BaseURL: acct.url, Token: acct.token, Log: logger.WithField("component", "api"), HTTPClient: met.HTTPClient()})
	if err != nil {
		return fmt.Errorf("API client: %w", err)
	}
	unreachable, err := checkToken(ctx, client)
	if ctx.Err() != nil {
		logger.Info("interrupted while starting; nothing mounted")
		return nil
	}
	if err != nil {
		return err
	}
	offline := unreachable != nil
	if offline {
		if notAnswering(unreachable) && !hasSavedListing(filepath.Join(c.cacheDir, "state"), acct.url) {
			return fmt.Errorf("cannot reach the API at %s (%v), and the cache dir %s holds no saved listing of it to start from: check --api-url and the network", acct.url, unreachable, c.cacheDir)
		}
		logger.WithError(unreachable).Warn("API unreachable at start: mounting from the cache and the saved listing, if any; it will be retried")
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
	uploads, err := openUploads(c, client, store, logger)
	if err != nil {
		return err
	}
	defer uploads.close() // on the error paths below

	root, err := kfs.NewRoot(kfs.Config{
		Remote:      client,
		Content:     store,
		DirCacheTTL: c.dirTTL,
		WatchWindow: c.watchWindow,
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
	stopMetrics, err := met.Start(c.metricsAddr, store, uploads.q, root, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if ctx.Err() != nil {
		logger.Info("interrupted while starting; nothing mounted")
		return nil
	}
	mo := kfs.MountOptions{AllowOther: c.allowOther, Debug: c.debugFuse, Ops: met.OpObserver(), XAttrs: c.xattrs}
	if c.debugFuse {
		// Printed whatever --log-level says: the user asked for it.
		mo.DebugLog = log.New(logger.Out, "fuse: ", log.Lmicroseconds)
	}
	srv, err := kfs.Mount(mp, root, mo)
	if err != nil {
		return err
	}
	started = true
	dropper.set(root)
	if interrupted := stopWatch(); interrupted {
		sigs <- syscall.SIGTERM // serve unmounts at once
	}
	lc.mounted(fmt.Sprintf("kreafs: mounted %s at %s (Ctrl-C to unmount)", acct.url, mp), fmt.Sprintf("mounted %s at %s", acct.url, mp))
	if acct.emu != nil {
		fmt.Fprintf(logger.Out, "kreafs: the emulator's API is at %s; to use it directly:\n  export KREA_API_URL=%s KREA_API_TOKEN=%s\n",
			acct.url, acct.url, acct.emu.Token())
	}
	logger.WithFields(logrus.Fields{"api": acct.url, "mountpoint": mp, "cache_dir": c.cacheDir,
		"cache_size": humanize.IBytes(uint64(c.cacheSize)), "read_only": c.readOnly}).Info("mounted")
	again := serve(srv, mp, sigs, logger, lc.stopping)
	dropper.set(nil)
	logger.WithField("mountpoint", mp).Info("unmounted")
	uploads.status = lc.status
	uploads.drain(sigs, c.drainTime, again, c.tempCache)
	return nil
}
