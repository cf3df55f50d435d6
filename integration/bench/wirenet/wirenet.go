//go:build linux

// Package wirenet is the benchmark's wire: a network namespace joined to this one by a veth pair, with a
// tbf qdisc (rate limit) on each end, so that everything sent to the
// namespace, and everything it answers, crosses a link of a given rate.
// The kernel here has no netem, so the link adds no delay: the round trip
// comes from the emulator (SetLatency, SetFilesLatency), before the first
// byte of each answer.
//
// The addresses are a /30 on the veth pair only; the namespace has no other
// interface than its loopback and no default route, so nothing sent there
// leaves the machine. Removing the namespace removes both veth ends.
//
// Consistency: Up removes a namespace and host interface of the same names
// first (left by a killed run); Close removes both and may be called more
// than once, from any goroutine.
package wirenet

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

// Net is one namespace and its veth pair.
type Net struct {
	Name         string // namespace (ip netns)
	HostIf, NsIf string // veth ends: this namespace's, the other's
	HostIP, NsIP string
	prefix       string     // of both addresses
	locks        []*os.File // held while this Net owns its names (lockSlot)
	closeOnce    sync.Once
	closeErr     error
}

// Profile is a network path: its rate in each direction and its round
// trip.
type Profile struct {
	Name    string
	RateBit int64 // bits per second, each direction
	RTT     int64 // milliseconds
}

// Profiles are the benchmark's paths: a home line and a fast one.
var Profiles = []Profile{
	{Name: "home", RateBit: 100_000_000, RTT: 20},
	{Name: "fast", RateBit: 1_000_000_000, RTT: 10},
}

// New describes a namespace; n (0..63) picks its addresses and names,
// so that a test and a benchmark can run at once.
func New(name string, n int) *Net {
	base := 4 * n
	return &Net{
		Name:   name,
		HostIf: fmt.Sprintf("kbw%dh", n), NsIf: fmt.Sprintf("kbw%dn", n),
		HostIP: fmt.Sprintf("10.218.18.%d", base+1), NsIP: fmt.Sprintf("10.218.18.%d", base+2),
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
func (w *Net) removeStale() {
	_ = exec.Command("ip", "netns", "del", w.Name).Run()
	_ = exec.Command("ip", "link", "del", w.HostIf).Run()
}

// Check says why the wire cannot be made here (not root, or ip or tc
// missing), or nil.
func Check(tools ...string) error {
	if os.Geteuid() != 0 {
		return errors.New("the wire needs root (network namespaces, veth, tc)")
	}
	for _, tool := range append([]string{"ip", "tc"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the wire needs %s (Debian: apt-get install iproute2 %s)", tool, strings.Join(tools, " "))
		}
	}
	return nil
}

// Up creates the namespace, the veth pair and its addresses, and shapes
// both ends to p. On error everything made so far is removed.
func (w *Net) Up(p Profile) (err error) {
	if err := Check(); err != nil {
		return err
	}
	if err := w.lockSlot(); err != nil {
		return err
	}
	w.removeStale()
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	steps := [][]string{
		{"ip", "netns", "add", w.Name},
		{"ip", "link", "add", w.HostIf, "type", "veth", "peer", "name", w.NsIf, "netns", w.Name},
		{"ip", "addr", "add", w.HostIP + w.prefix, "dev", w.HostIf},
		{"ip", "link", "set", w.HostIf, "up"},
		{"ip", "-n", w.Name, "addr", "add", w.NsIP + w.prefix, "dev", w.NsIf},
		{"ip", "-n", w.Name, "link", "set", w.NsIf, "up"},
		{"ip", "-n", w.Name, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s[0], s[1:]...); err != nil {
			return err
		}
	}
	return w.Shape(p)
}

// Shape sets the tbf qdisc of both ends to p's rate. The bucket holds 2 ms
// of the rate (at least 64 KiB, a segmentation-offload packet); the queue
// about 20 ms, so a sender that outruns the link loses packets as it would
// at a real bottleneck, not seconds later.
func (w *Net) Shape(p Profile) error {
	bytesPerSec := p.RateBit / 8
	burst := max(bytesPerSec/500, 64<<10)
	limit := max(bytesPerSec/50, 4*burst)
	tbf := []string{"root", "tbf", "rate", fmt.Sprintf("%dbit", p.RateBit),
		"burst", fmt.Sprint(burst), "limit", fmt.Sprint(limit)}
	if err := ipCmd("tc", append([]string{"qdisc", "replace", "dev", w.HostIf}, tbf...)...); err != nil {
		return err
	}
	return ipCmd("tc", append([]string{"-n", w.Name, "qdisc", "replace", "dev", w.NsIf}, tbf...)...)
}

// lockSlot takes the locks of w's namespace name and of its interface
// names (flocks on files in /run, released by Close or when the process
// ends), so that a second run cannot take a live run's namespace for a
// stale one and remove it.
func (w *Net) lockSlot() error {
	var held []*os.File
	for _, what := range []string{"ns-" + w.Name, "if-" + w.HostIf} {
		f, err := os.OpenFile("/run/kreafs-wire-"+what+".lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err == nil {
			if err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
				f.Close()
				err = fmt.Errorf("another run is using the wire's namespace %s or interface %s: %w", w.Name, w.HostIf, err)
			}
		}
		if err != nil {
			for _, h := range held {
				h.Close()
			}
			return err
		}
		held = append(held, f)
	}
	w.locks = held
	return nil
}

// Close removes the namespace (and with it both veth ends). It is safe to
// call more than once and from a signal handler's goroutine.
func (w *Net) Close() error {
	w.closeOnce.Do(func() {
		if w.locks == nil {
			return // never owned: another run's, or never made
		}
		defer func() {
			for _, f := range w.locks {
				f.Close()
			}
		}()
		err := ipCmd("ip", "netns", "del", w.Name)
		// Deleting the namespace destroys the veth end inside it, and
		// with it (a moment later) its peer; a host end left by a failed
		// setup goes here.
		for i := 0; i < 50; i++ {
			if _, lerr := net.InterfaceByName(w.HostIf); lerr != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, lerr := net.InterfaceByName(w.HostIf); lerr == nil {
			if derr := ipCmd("ip", "link", "del", w.HostIf); derr != nil && !strings.Contains(derr.Error(), "Cannot find device") {
				err = errors.Join(err, derr)
			}
		}
		w.closeErr = err
	})
	return w.closeErr
}

// Inside runs fn on an OS thread that has joined the namespace: the
// sockets fn creates (listeners) live there, while the rest of the process,
// the goroutines serving those sockets included, stays in this one.
func (w *Net) Inside(fn func() error) error {
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
		target, err := os.Open("/run/netns/" + w.Name)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", w.Name, err)
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

// Leftovers names what of w still exists: the namespace, the host veth end.
func (w *Net) Leftovers() []string {
	var out []string
	if _, err := os.Stat("/run/netns/" + w.Name); err == nil {
		out = append(out, "namespace "+w.Name)
	}
	if _, err := net.InterfaceByName(w.HostIf); err == nil {
		out = append(out, "interface "+w.HostIf)
	}
	return out
}
