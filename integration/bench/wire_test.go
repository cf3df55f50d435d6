//go:build linux

package main

// The wire's namespace: set up, shaped, reachable only through its veth
// pair, and gone afterwards; and a tiny run of the wire group.

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/integration/kreafstest"
)

func requireWire(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the wire needs root")
	}
	for _, tool := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the wire needs %s", tool)
		}
	}
}

func TestTheWireIsARateLimitedPathToANamespaceThatLeavesNothingBehind(t *testing.T) {
	requireWire(t)
	w := newWireNet("kreafs-bench-test", 1)
	// A namespace of the same name left by a killed run is replaced.
	if err := exec.Command("ip", "netns", "add", w.name).Run(); err != nil {
		t.Fatal(err)
	}
	if err := w.up(wireProfile{name: "slow", rateBit: 100_000_000}); err != nil {
		t.Fatal(err)
	}
	defer w.close()
	out, err := exec.Command("tc", "qdisc", "show", "dev", w.hostIf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "tbf") {
		t.Errorf("no tbf on %s: %s %v", w.hostIf, out, err)
	}
	out, err = exec.Command("tc", "-n", w.name, "qdisc", "show", "dev", w.nsIf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "tbf") {
		t.Errorf("no tbf on %s in the namespace: %s %v", w.nsIf, out, err)
	}

	// A server listening inside answers through the veth pair; 2 MB at
	// 100 Mbit/s take at least 100 ms (on loopback: a few ms).
	var ln net.Listener
	if err := w.inside(func() (err error) { ln, err = net.Listen("tcp", w.nsIP+":0"); return err }); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 2_000_000)
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { rw.Write(body) })}
	go srv.Serve(ln)
	defer srv.Close()
	if _, err := net.DialTimeout("tcp", "127.0.0.1:"+portOf(ln), 200*time.Millisecond); err == nil {
		t.Errorf("the server in the namespace answers on this namespace's loopback")
	}
	start := time.Now()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if d := time.Since(start); n != int64(len(body)) || d < 100*time.Millisecond {
		t.Errorf("got %d bytes in %v through the wire, want %d in at least 100ms", n, d, len(body))
	}
	srv.Close()

	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	if left := w.leftovers(); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func portOf(ln net.Listener) string {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

func TestSmokeRunOfTheWireGroupPrintsItsTableAndRemovesTheNamespace(t *testing.T) {
	requireWire(t)
	kreafstest.RequireFUSE(t)
	cfg := smokeConfig()
	cfg.wire.ns, cfg.wire.slot = "kreafs-bench-smoke", 2
	cfg.cases = wireOnly
	cfg.workDir = t.TempDir()
	cfg.log = io.Discard
	if testing.Verbose() {
		cfg.log = os.Stderr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	table := res.markdown()
	for _, want := range []string{"Real wire:", "| fast | cold read", "concurrent cold reads", "time to first 4 KiB",
		"ls -l assets/", "cp of a", "job result-0 readable", "rsync of 10 images"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "error:") || strings.Contains(table, "Loopback:") {
		t.Errorf("a case failed, or loopback cases ran:\n%s", table)
	}
	if left := newWireNet(cfg.wire.ns, cfg.wire.slot).leftovers(); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
