package main

// What a mount tells the world about its life: the ready line on stdout,
// the background mode's parent (daemon.go) and systemd (sd_notify).
//
// The sd_notify protocol is one datagram per message to the unix socket
// named by NOTIFY_SOCKET ("@name": an abstract socket), each a set of
// NAME=value lines: READY=1 once mounted, STOPPING=1 on the way down,
// STATUS=... lines while uploads drain. Written here in a few lines
// rather than taken from a library: that is the whole protocol.

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// notifier sends sd_notify messages; a nil one sends nothing.
type notifier struct {
	addr *net.UnixAddr
}

// newNotifier is the notifier of NOTIFY_SOCKET, or nil when it is unset.
func newNotifier(getenv func(string) string) *notifier {
	s := getenv("NOTIFY_SOCKET")
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "@") {
		s = "\x00" + s[1:]
	}
	return &notifier{addr: &net.UnixAddr{Name: s, Net: "unixgram"}}
}

// send sends one message (NAME=value lines).
func (n *notifier) send(msg string) error {
	if n == nil {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(msg))
	return err
}

// lifecycle tells the ready line, the failure or the way down to whoever
// listens: stdout (the user), the parent of a background copy, systemd.
type lifecycle struct {
	stdout io.Writer
	pipe   *os.File // in a background copy: the parent's ready pipe
	sd     *notifier
}

// mounted prints the ready line and says READY=1.
func (l *lifecycle) mounted(line, status string) {
	fmt.Fprintln(l.stdout, line)
	if l.pipe != nil {
		fmt.Fprintf(l.pipe, "ready %s\n", line)
		l.pipe.Close()
		l.pipe = nil
	}
	_ = l.sd.send(fmt.Sprintf("READY=1\nSTATUS=%s\nMAINPID=%d", status, os.Getpid()))
}

// failed tells the parent of a background copy why it did not mount.
func (l *lifecycle) failed(err error) {
	if l.pipe != nil {
		fmt.Fprintf(l.pipe, "fail %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		l.pipe.Close()
		l.pipe = nil
	}
}

// stopping says STOPPING=1: the mount is going away.
func (l *lifecycle) stopping() { _ = l.sd.send("STOPPING=1") }

// status says what kreafs is doing (STATUS=, shown by systemctl status).
func (l *lifecycle) status(s string) { _ = l.sd.send("STATUS=" + s) }
