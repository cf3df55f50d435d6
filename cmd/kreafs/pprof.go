package main

// KREAFS_PPROF: a debug-only profiling endpoint (docs/configuration.md,
// "Profiling"). Set to a loopback address (127.0.0.1:6060, localhost:0),
// any kreafs command serves net/http/pprof there, with mutex and block
// profiling on. It is an environment variable, not a flag: it is for
// developers measuring kreafs (docs/performance.md), not a user setting.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
)

// pprofEnv names the variable that turns profiling on.
const pprofEnv = "KREAFS_PPROF"

func init() {
	startPprof(os.Getenv(pprofEnv), os.Stderr)
}

// startPprof serves the profiles on addr (a loopback host only: profiles
// show memory contents' shapes and program paths, so they are never
// offered to the network). It reports the address on stderr, or why it
// did not start; it never stops kreafs. It returns the listener (nil when
// off), which lives as long as the process unless closed.
func startPprof(addr string, stderr io.Writer) net.Listener {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintf(stderr, "kreafs: %s=%q: %v (profiling off)\n", pprofEnv, addr, err)
		return nil
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(stderr, "kreafs: %s=%q: only a loopback address is allowed (profiling off)\n", pprofEnv, addr)
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "kreafs: %s: %v (profiling off)\n", pprofEnv, err)
		return nil
	}
	runtime.SetMutexProfileFraction(10)
	runtime.SetBlockProfileRate(100_000) // one sample per 100µs blocked
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	fmt.Fprintf(stderr, "kreafs: profiling at http://%s/debug/pprof/ (%s)\n", ln.Addr(), pprofEnv)
	go func() { _ = http.Serve(ln, mux) }()
	return ln
}
