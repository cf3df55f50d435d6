//go:build linux

package main

// What a read case costs on the wire besides time: the file-host requests,
// the TCP connections the emulators accepted (each new one starts in slow
// start), the segments they retransmitted and the packets the link's queue
// dropped towards this side. The counters are the namespace's own (only
// the emulators live there), so other programs on the machine do not
// disturb them.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// wireCounts are the namespace's TCP counters and the drops of the queue
// of its veth end (the answers' direction).
type wireCounts struct {
	accepted, retrans, drops int64
}

// counts reads the namespace's counters.
func (wb *wireBench) counts() (wireCounts, error) {
	var c wireCounts
	err := wb.net.Inside(func() error {
		f, err := os.Open("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		defer f.Close()
		var head []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 0 || fields[0] != "Tcp:" {
				continue
			}
			if head == nil {
				head = fields
				continue
			}
			for i := 1; i < len(fields) && i < len(head); i++ {
				v, _ := strconv.ParseInt(fields[i], 10, 64)
				switch head[i] {
				case "PassiveOpens":
					c.accepted = v
				case "RetransSegs":
					c.retrans = v
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		return c, err
	}
	out, err := exec.Command("tc", "-n", wb.net.Name, "-s", "qdisc", "show", "dev", wb.net.NsIf).CombinedOutput()
	if err != nil {
		return c, fmt.Errorf("tc -s qdisc show: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if m := dropped.FindSubmatch(out); m != nil {
		c.drops, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	return c, nil
}

var dropped = regexp.MustCompile(`dropped (\d+)`)

// wireNote runs fn and logs, besides the file-host requests when kreafs
// is the one reading, the connections accepted, the segments retransmitted
// and the packets dropped on the way back while it ran. A counter that
// cannot be read leaves the note out, not the case.
func (wb *wireBench) wireNote(what string, fn func() error) error {
	before, cerr := wb.counts()
	files := wb.data.Requests("/files")
	err := fn()
	after, aerr := wb.counts()
	if cerr != nil || aerr != nil {
		wb.logf("%s: counters unreadable: %v", what, cerr)
		return err
	}
	wb.logf("%s: file-host requests %d, connections accepted %d, segments retransmitted %d, packets dropped %d",
		what, wb.data.Requests("/files")-files, after.accepted-before.accepted,
		after.retrans-before.retrans, after.drops-before.drops)
	return err
}
