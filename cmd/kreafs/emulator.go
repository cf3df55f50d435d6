package main

// kreafs emulator: flags -> emulator.Options; listen; print the environment
// lines; run until SIGINT/SIGTERM. Exit codes: 0 stopped by a signal,
// 1 cannot start, 2 bad usage.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"

	"github.com/kreafs/kreafs/api/emulator"
)

const emulatorUsage = `Usage: kreafs emulator [flags]

Runs a local Krea API emulator (the API and a separate file host) until
Ctrl-C or SIGTERM. Once listening it prints two lines on stdout,
KREA_API_URL=... and KREA_API_TOKEN=..., for kreafs mount and curl.
Logs go to stderr.

Flags:
`

// emulatorConfig is what the flags say.
type emulatorConfig struct {
	listen, filesListen string
	opts                emulator.Options
	logLevel            logrus.Level
}

// emulatorFlags holds what the flag set parses into, until finish checks it.
type emulatorFlags struct {
	fl                  *pflag.FlagSet
	c                   *emulatorConfig
	bandwidth, logLevel *string
}

// newEmulatorFlags defines every flag of kreafs emulator.
func newEmulatorFlags() *emulatorFlags {
	c := &emulatorConfig{}
	fl := pflag.NewFlagSet("kreafs emulator", pflag.ContinueOnError)
	fl.SetOutput(io.Discard) // errors are printed once, by the command
	fl.SortFlags = false
	o := &c.opts
	fl.StringVar(&c.listen, "listen", "127.0.0.1:8787", "API address `HOST:PORT` (port 0: any free port)")
	fl.StringVar(&c.filesListen, "files-listen", "127.0.0.1:8788", "file host address `HOST:PORT` (asset and result downloads)")
	fl.StringVar(&o.Token, "token", emulator.DefaultToken, "bearer token the API requires")
	fl.StringVar(&o.DataDir, "data", "", "data directory `DIR`; state survives restarts (default: a temporary directory, removed at exit)")
	fl.IntVar(&o.SeedAssets, "seed-assets", 0, "create `N` sample assets (only when the data directory is new)")
	fl.IntVar(&o.SeedJobs, "seed-jobs", 0, "create `N` sample jobs (only when the data directory is new)")
	fl.IntVar(&o.SeedStyles, "seed-styles", 0, "create `N` sample styles (only when the data directory is new)")
	fl.DurationVar(&o.JobDuration, "job-duration", 3*time.Second, "time a job takes from queued to completed")
	fl.Float64Var(&o.JobFailRate, "job-fail-rate", 0, "share (0..1) of jobs that end failed")
	fl.DurationVar(&o.Latency, "latency", 0, "delay added to every API request")
	bandwidth := fl.String("bandwidth", "0", "cap per file download in `BYTES_PER_SEC` (units allowed: 500KB, 2MiB; 0: none)")
	fl.Float64Var(&o.FaultRate, "fault-rate", 0, "share (0..1) of API answers replaced by 500, 503 or 429")
	fl.Float64Var(&o.CutRate, "cut-rate", 0, "share (0..1) of file downloads cut mid-body")
	fl.BoolVar(&o.RequireLength, "require-length", false, "answer 411 to uploads sent without Content-Length (chunked), as some proxies do")
	fl.BoolVar(&o.NoCredits, "no-credits", false, "answer 402 (\"You have run out of credits.\") to every generation and training request, as for an account without credits")
	fl.IntVar(&o.MaxConcurrentJobs, "max-concurrent-jobs", 0, "new jobs past `N` unfinished ones are backlogged (0: unlimited)")
	addSwitchFlags(fl, o)
	logLevel := fl.String("log-level", "info", "log level: debug (one line per request), info, warn, error")
	return &emulatorFlags{fl: fl, c: c, bandwidth: bandwidth, logLevel: logLevel}
}

// parseEmulatorFlags turns args into an emulatorConfig; --help gives
// pflag.ErrHelp, anything wrong a *usageError.
func parseEmulatorFlags(args []string) (*emulatorConfig, *pflag.FlagSet, error) {
	f := newEmulatorFlags()
	if err := f.fl.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, f.fl, err
		}
		return nil, f.fl, &usageError{err.Error()}
	}
	c, err := f.finish(f.fl.Args(), os.Getenv)
	return c, f.fl, err
}

// finish applies the environment (KREAFS_<FLAG>) to the flags not given
// and checks them.
func (f *emulatorFlags) finish(args []string, getenv func(string) string) (*emulatorConfig, error) {
	c, fl := f.c, f.fl
	o := &c.opts
	bandwidth, logLevel := f.bandwidth, f.logLevel
	if err := applyEnv(fl, getenv); err != nil {
		return nil, err
	}
	if len(args) > 0 {
		return nil, &usageError{fmt.Sprintf("unexpected argument %q", args[0])}
	}
	if strings.TrimSpace(o.Token) == "" || strings.ContainsAny(o.Token, " \t\r\n") {
		return nil, &usageError{"--token must be non-empty and contain no spaces"}
	}
	n, err := humanize.ParseBytes(*bandwidth)
	if err != nil || n > 1<<50 {
		return nil, &usageError{fmt.Sprintf("invalid --bandwidth %q: want bytes per second such as 1048576 or 1MiB", *bandwidth)}
	}
	o.Bandwidth = int64(n)
	for _, r := range []struct {
		name string
		v    float64
	}{{"fault-rate", o.FaultRate}, {"cut-rate", o.CutRate}, {"job-fail-rate", o.JobFailRate}} {
		if r.v < 0 || r.v > 1 {
			return nil, &usageError{fmt.Sprintf("--%s must be between 0 and 1", r.name)}
		}
	}
	switch {
	case o.SeedAssets < 0 || o.SeedJobs < 0 || o.SeedStyles < 0:
		return nil, &usageError{"seed counts must not be negative"}
	case o.MaxConcurrentJobs < 0:
		return nil, &usageError{"--max-concurrent-jobs must not be negative"}
	case o.Latency < 0:
		return nil, &usageError{"--latency must not be negative"}
	case o.JobDuration <= 0:
		// The emulator reads 0 as "default"; ask for instant jobs explicitly.
		o.JobDuration = -1
	}
	if err := o.CheckSwitches(); err != nil {
		return nil, &usageError{switchFlagError(err)}
	}
	if c.logLevel, err = parseLevel(*logLevel); err != nil {
		return nil, &usageError{err.Error()}
	}
	return c, nil
}

// runEmulatorConfig is kreafs emulator with its checked flags.
func runEmulatorConfig(c *emulatorConfig, stdout, stderr io.Writer) int {
	log := logrus.New()
	log.SetOutput(stderr)
	log.SetLevel(c.logLevel)
	c.opts.Log = log.WithField("component", "emulator")

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	srv, err := emulator.Listen(c.opts, c.listen, c.filesListen)
	if err != nil {
		fmt.Fprintf(stderr, "kreafs emulator: %v\n", err)
		return 1
	}
	// The emulator's token is not a secret of anyone's account: printing it
	// is the point (eval, curl).
	fmt.Fprintf(stdout, "KREA_API_URL=%s\nKREA_API_TOKEN=%s\n", srv.URL(), srv.Token())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	log.WithFields(logrus.Fields{"api": srv.URL(), "files": srv.FilesURL(), "data": srv.DataDir()}).Info("kreafs emulator: ready; Ctrl-C stops")

	sig := <-sigs
	log.WithField("signal", sig.String()).Info("kreafs emulator: stopping")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "kreafs emulator: closing: %v\n", err)
		return 1
	}
	return 0
}

// addSwitchFlags defines the flags of the emulator's behaviour switches
// (emulator.Options; docs/emulator.md), shared by kreafs emulator and
// kreafs mount --emulator. Defaults are what Krea documents.
func addSwitchFlags(fl *pflag.FlagSet, o *emulator.Options) {
	fl.StringVar(&o.CursorField, "cursor-field", emulator.CursorFieldCamel, "name of the cursor field of list answers: nextCursor (Krea's reference pages) or next_cursor (the bundled spec)")
	fl.BoolVar(&o.TieBreakCursor, "tie-break-cursor", false, "list cursors carry a hidden tie-breaker, so items sharing a millisecond are never skipped (default: a plain \"older than\" timestamp)")
	fl.StringVar(&o.JobDelete, "job-delete", emulator.JobDeleteCancel, "what DELETE /jobs/{id} does: cancel (only a queued or processing job, else 400), cancel-pending (any unfinished job) or delete (removes it)")
	fl.BoolVar(&o.RefuseOverLimit, "refuse-over-limit", false, "answer 429 to a new job past --max-concurrent-jobs instead of backlogging it")
	fl.StringVar(&o.ExtraJobState, "extra-job-state", "", "an undocumented job status `NAME` shown between a job's intermediate result and its end")
	fl.StringVar(&o.ErrorShape, "error-shape", emulator.ErrorShapeError, "body of every error answer: error ({\"error\": s}), message, detail, or detail-list ({\"detail\": [{\"loc\", \"msg\", \"type\"}]}, validation errors then 422)")
	fl.BoolVar(&o.NoEchoDescription, "no-echo-description", false, "asset answers never carry a description")
	fl.BoolVar(&o.HostedNames, "hosted-names", false, "an uploaded asset's URL is <files>/<uuid>/<unix ms>-<original file name>, as on Krea's file host")
	fl.StringVar(&o.StyleTitle, "style-title", emulator.StyleTitleRefuse, "what PATCH /styles/{id} does with a title: refuse (400 \"No valid fields to update\"), accept, or ignore (200, unchanged)")
}

// switchFlags maps each switch flag to its emulator.Options field.
var switchFlags = map[string]string{
	"cursor-field":        "CursorField",
	"tie-break-cursor":    "TieBreakCursor",
	"job-delete":          "JobDelete",
	"refuse-over-limit":   "RefuseOverLimit",
	"extra-job-state":     "ExtraJobState",
	"style-title":         "StyleTitle",
	"no-echo-description": "NoEchoDescription",
	"hosted-names":        "HostedNames",
	"error-shape":         "ErrorShape",
}

// switchesSet reports whether any switch flag was given.
func switchesSet(fl *pflag.FlagSet) bool {
	for n := range switchFlags {
		if fl.Changed(n) {
			return true
		}
	}
	return false
}

// applySwitches copies the behaviour switches of src into dst.
func applySwitches(dst *emulator.Options, src emulator.Options) {
	dst.CursorField = src.CursorField
	dst.TieBreakCursor = src.TieBreakCursor
	dst.JobDelete = src.JobDelete
	dst.RefuseOverLimit = src.RefuseOverLimit
	dst.ExtraJobState = src.ExtraJobState
	dst.StyleTitle = src.StyleTitle
	dst.NoEchoDescription = src.NoEchoDescription
	dst.HostedNames = src.HostedNames
	dst.ErrorShape = src.ErrorShape
}

// switchFlagError turns an Options.CheckSwitches error into flag words.
func switchFlagError(err error) string {
	msg := err.Error()
	for flag, field := range switchFlags {
		msg = strings.Replace(msg, "emulator: "+field+" ", "--"+flag+" ", 1)
	}
	return msg
}
