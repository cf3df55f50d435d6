//go:build linux

package main

// The wire: a network namespace joined to this one by a veth pair, with a
// tbf qdisc (rate limit) on each end, so that everything sent to the
// namespace, and everything it answers, crosses a link of a given rate.
// The kernel here has no netem, so the link adds no delay: the round trip
// comes from the emulator (SetLatency, SetFilesLatency), before the first
// byte of each answer.
//
// The addresses are a /30 on the veth pair only; the namespace has no other
// interface than its loopback and no default route, so nothing sent there
// leaves the machine. Removing the namespace removes both veth ends.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// wireNet is one namespace and its veth pair.
type wireNet struct {
	name         string // namespace (ip netns)
	hostIf, nsIf string // veth ends: this namespace's, the other's
	hostIP, nsIP string
	prefix       string // of both addresses
	closeOnce    sync.Once
	closeErr     error
}

// wireProfile is a network path: its rate in each direction and its round
// trip.
type wireProfile struct {
	name    string
	rateBit int64 // bits per second, each direction
	rtt     int64 // milliseconds
}

var wireProfiles = []wireProfile{
	{name: "home", rateBit: 100_000_000, rtt: 20},
	{name: "fast", rateBit: 1_000_000_000, rtt: 10},
}

// newWireNet describes a namespace; n (0..63) picks its addresses and names,
// so that a test and a benchmark can run at once.
func newWireNet(name string, n int) *wireNet {
	base := 4 * n
	return &wireNet{
		name:   name,
		hostIf: fmt.Sprintf("kbw%dh", n), nsIf: fmt.Sprintf("kbw%dn", n),
		hostIP: fmt.Sprintf("10.218.18.%d", base+1), nsIP: fmt.Sprintf("10.218.18.%d", base+2),
		prefix: "/30",
	}
}

// ipCmd runs ip or tc with args and returns its error with its output.
func ipCmd(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// removeStale deletes a namespace and host veth end of these names left by
// a run that was killed.
func (w *wireNet) removeStale() {
	_ = exec.Command("ip", "netns", "del", w.name).Run()
	_ = exec.Command("ip", "link", "del", w.hostIf).Run()
}

// up creates the namespace, the veth pair and its addresses, and shapes
// both ends to p. On error everything made so far is removed.
func (w *wireNet) up(p wireProfile) (err error) {
	if os.Geteuid() != 0 {
		return errors.New("the wire needs root (network namespaces, veth, tc)")
	}
	for _, tool := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the wire needs %s (Debian: apt-get install iproute2)", tool)
		}
	}
	w.removeStale()
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	steps := [][]string{
		{"ip", "netns", "add", w.name},
		{"ip", "link", "add", w.hostIf, "type", "veth", "peer", "name", w.nsIf, "netns", w.name},
		{"ip", "addr", "add", w.hostIP + w.prefix, "dev", w.hostIf},
		{"ip", "link", "set", w.hostIf, "up"},
		{"ip", "-n", w.name, "addr", "add", w.nsIP + w.prefix, "dev", w.nsIf},
		{"ip", "-n", w.name, "link", "set", w.nsIf, "up"},
		{"ip", "-n", w.name, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s[0], s[1:]...); err != nil {
			return err
		}
	}
	return w.shape(p)
}

// shape sets the tbf qdisc of both ends to p's rate. The bucket holds 2 ms
// of the rate (at least 64 KiB, a segmentation-offload packet); the queue
// about 20 ms, so a sender that outruns the link loses packets as it would
// at a real bottleneck, not seconds later.
func (w *wireNet) shape(p wireProfile) error {
	bytesPerSec := p.rateBit / 8
	burst := max(bytesPerSec/500, 64<<10)
	limit := max(bytesPerSec/50, 4*burst)
	tbf := []string{"root", "tbf", "rate", fmt.Sprintf("%dbit", p.rateBit),
		"burst", fmt.Sprint(burst), "limit", fmt.Sprint(limit)}
	if err := ipCmd("tc", append([]string{"qdisc", "replace", "dev", w.hostIf}, tbf...)...); err != nil {
		return err
	}
	return ipCmd("tc", append([]string{"-n", w.name, "qdisc", "replace", "dev", w.nsIf}, tbf...)...)
}

// close removes the namespace (and with it both veth ends). It is safe to
// call more than once and from a signal handler's goroutine.
func (w *wireNet) close() error {
	w.closeOnce.Do(func() {
		err := ipCmd("ip", "netns", "del", w.name)
		// Deleting the namespace destroys the veth end inside it, and
		// with it (a moment later) its peer; a host end left by a failed
		// setup goes here.
		for i := 0; i < 50; i++ {
			if _, lerr := net.InterfaceByName(w.hostIf); lerr != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, lerr := net.InterfaceByName(w.hostIf); lerr == nil {
			if derr := ipCmd("ip", "link", "del", w.hostIf); derr != nil && !strings.Contains(derr.Error(), "Cannot find device") {
				err = errors.Join(err, derr)
			}
		}
		w.closeErr = err
	})
	return w.closeErr
}

// inside runs fn on an OS thread that has joined the namespace: the
// sockets fn creates (listeners) live there, while the rest of the process,
// the goroutines serving those sockets included, stays in this one.
func (w *wireNet) inside(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked when it could not come back: it then
		// ends with this goroutine rather than serve others in the wrong
		// namespace.
		back, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			errc <- err
			return
		}
		defer back.Close()
		target, err := os.Open("/run/netns/" + w.name)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", w.name, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(back.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("setns back: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// leftovers names what of w still exists: the namespace, the host veth end.
func (w *wireNet) leftovers() []string {
	var out []string
	if _, err := os.Stat("/run/netns/" + w.name); err == nil {
		out = append(out, "namespace "+w.name)
	}
	if _, err := net.InterfaceByName(w.hostIf); err == nil {
		out = append(out, "interface "+w.hostIf)
	}
	return out
}
