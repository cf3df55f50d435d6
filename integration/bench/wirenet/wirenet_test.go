//go:build linux

package wirenet

import (
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/integration/kreafstest"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if err := Check(); err != nil {
		if kreafstest.FUSERequired() { // CI (root, iproute2 installed) must run it
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

func TestTheWireIsARateLimitedPathToANamespaceThatLeavesNothingBehind(t *testing.T) {
	requireRoot(t)
	w := New("kreafs-bench-test", 1)
	// A namespace of the same name left by a killed run is replaced.
	if err := exec.Command("ip", "netns", "add", w.Name).Run(); err != nil {
		t.Fatal(err)
	}
	if err := w.Up(Profile{Name: "slow", RateBit: 100_000_000}); err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	// A second run with the same names is refused, and the first keeps
	// its namespace.
	if err := New(w.Name, 1).Up(Profile{Name: "slow", RateBit: 100_000_000}); err == nil {
		t.Fatal("a second Up of the same namespace succeeded while the first is up")
	}
	if left := w.Leftovers(); len(left) != 2 {
		t.Fatalf("after a refused second Up, the first run has %v, want its namespace and interface", left)
	}
	out, err := exec.Command("tc", "qdisc", "show", "dev", w.HostIf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "tbf") {
		t.Errorf("no tbf on %s: %s %v", w.HostIf, out, err)
	}
	out, err = exec.Command("tc", "-n", w.Name, "qdisc", "show", "dev", w.NsIf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "tbf") {
		t.Errorf("no tbf on %s in the namespace: %s %v", w.NsIf, out, err)
	}

	// A server listening inside answers through the veth pair; 2 MB at
	// 100 Mbit/s take at least 100 ms (on loopback: a few ms).
	var ln net.Listener
	if err := w.Inside(func() (err error) { ln, err = net.Listen("tcp", w.NsIP+":0"); return err }); err != nil {
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

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if left := w.Leftovers(); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func portOf(ln net.Listener) string {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}
