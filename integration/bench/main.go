//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"syscall"
)

// config is one benchmark run's settings.
type config struct {
	runs      int    // runs per case (the median is reported)
	bigSize   int64  // the "64 MiB" asset
	midSize   int64  // the "16 MiB" assets read concurrently
	parallel  int    // concurrent readers (8)
	listCount int    // assets in the listing account (10,000)
	ttfbBW    int64  // download cap of the time-to-first-4KiB case, bytes/s
	rclone    string // "auto" (use rclone when installed), "off"
	cases     *regexp.Regexp
	kreafsBin string // a prebuilt kreafs; "" builds one
	workDir   string // parent of the temporary directory; "" = os.TempDir
	out       string // docs file whose results block is rewritten; "" = none
	pprof     int    // > 0: kreafs mounts serve pprof on 127.0.0.1 (data +0, upload +1, listing +2)
	smoke     bool
	log       io.Writer // progress lines (stderr)

	wire wireConfig
}

// want reports whether the case named name runs.
func (c *config) want(name string) bool {
	return c.cases == nil || c.cases.MatchString(name)
}

// defaultConfig is the full benchmark.
func defaultConfig() config {
	return config{
		runs:      5,
		bigSize:   64 << 20,
		midSize:   16 << 20,
		parallel:  8,
		listCount: 10000,
		ttfbBW:    50_000_000,
		rclone:    "auto",
		log:       os.Stderr,
		wire:      defaultWire(),
	}
}

// smokeConfig is a tiny run: it checks that every case works, in seconds.
func smokeConfig() config {
	c := defaultConfig()
	c.runs = 1
	c.bigSize = 2 << 20
	c.midSize = 512 << 10
	c.parallel = 2
	c.listCount = 200
	c.smoke = true
	c.wire = smokeWire()
	return c
}

func main() {
	if code, ok := childMain(); ok {
		os.Exit(code)
	}
	os.Exit(mainErr(os.Args[1:]))
}

func mainErr(args []string) int {
	cfg := defaultConfig()
	fl := flag.NewFlagSet("bench", flag.ContinueOnError)
	smoke := fl.Bool("smoke", false, "tiny sizes and one run (checks that the benchmark works; numbers mean nothing)")
	runs := fl.Int("runs", 0, "runs per case (default 5; 1 with -smoke)")
	rclone := fl.String("rclone", cfg.rclone, "peer: auto (rclone mount when rclone is installed) or off")
	cases := fl.String("cases", "", "run only the cases whose name matches this regular expression")
	out := fl.String("out", "docs/performance.md", "rewrite the results block of this file (relative to the module root; '' = print only; never with -smoke unless given)")
	bin := fl.String("kreafs", "", "use this kreafs binary instead of building one")
	work := fl.String("workdir", "", "where to put the temporary data (default: the system temp dir)")
	wire := fl.Bool("wire", false, "run only the wire group: the emulator behind a rate-limited veth pair in a network namespace, profiles home and fast (root; about 11 minutes here)")
	loopback := fl.Bool("loopback", false, "run only the loopback group (about 2 minutes)")
	quick := fl.Bool("quick", false, "wire group: one run of each case, smaller files (about 2 minutes)")
	profiles := fl.String("profiles", "", "wire group: the profiles to run, comma-separated (default home,fast)")
	pprof := fl.Int("pprof", 0, "profile kreafs: the data mount serves pprof at 127.0.0.1:PORT, the upload mount at PORT+1, the listing mounts at PORT+2 (see KREAFS_PPROF)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *smoke {
		cfg = smokeConfig()
	}
	if *quick && !*smoke {
		cfg.wire = quickWire()
	}
	if *runs > 0 {
		cfg.runs = *runs
		cfg.wire.runs, cfg.wire.rsyncs = *runs, *runs
	}
	if *profiles != "" {
		ps, err := pickProfiles(*profiles)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: -profiles: %v\n", err)
			return 2
		}
		cfg.wire.profiles = ps
	}
	switch {
	case *wire && *loopback:
		fmt.Fprintln(os.Stderr, "bench: -wire and -loopback exclude each other (neither: both groups)")
		return 2
	case *wire && *cases == "":
		cfg.cases = wireOnly
	case *loopback && *cases == "":
		cfg.cases = loopbackOnly()
	}
	cfg.rclone = *rclone
	if *cases != "" {
		re, err := regexp.Compile(*cases)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: -cases: %v\n", err)
			return 2
		}
		cfg.cases = re
	}
	outSet := false
	fl.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "out" })
	cfg.out = *out
	if cfg.smoke && !outSet {
		cfg.out = ""
	}
	cfg.kreafsBin, cfg.workDir, cfg.pprof = *bin, *work, *pprof

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg)
	if res != nil {
		fmt.Println()
		fmt.Print(res.markdown())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	if cfg.out != "" {
		path, err := writeResults(cfg.out, res)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "bench: results written to %s\n", path)
	}
	return 0
}
