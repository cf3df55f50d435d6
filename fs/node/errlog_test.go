package node

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

func TestTheErrorLogKeepsTheLastHundredOldestFirst(t *testing.T) {
	l := NewErrorLog(ErrorLogSize)
	for i := range 130 {
		l.Add(ErrorEntry{Op: "write", Path: fmt.Sprintf("assets/f%d.png", i), Errno: syscall.EIO, Reason: "boom"})
	}
	es := l.Entries()
	if len(es) != ErrorLogSize || es[0].Path != "assets/f30.png" || es[len(es)-1].Path != "assets/f129.png" {
		t.Fatalf("%d entries, first %q last %q; want 100, f30 .. f129", len(es), es[0].Path, es[len(es)-1].Path)
	}
}

func TestTheErrorLogNeverShowsTheTokenOrAnAuthorizationHeader(t *testing.T) {
	const token = "krea_s3cr3t_T0KEN"
	l := NewErrorLog(10)
	l.Hide(token)
	l.Add(ErrorEntry{Op: "read", Errno: syscall.EACCES, Reason: "request with Authorization: Bearer " + token + " refused; token=" + token})
	l.Add(ErrorEntry{Op: "read", Errno: syscall.EACCES, Reason: `header "Authorization": "Bearer other-credential" was refused`})
	out := string(FormatErrors(l.Entries()))
	for _, bad := range []string{token, "other-credential"} {
		if strings.Contains(out, bad) {
			t.Errorf("the errors file shows %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "refused") || !strings.Contains(out, "[redacted]") {
		t.Errorf("the reason should stay readable with the secret replaced:\n%s", out)
	}
}

func TestFailKeepsErrorsWorthTellingAndNotENOENTOrEINTR(t *testing.T) {
	old := Errors
	Errors = NewErrorLog(ErrorLogSize)
	defer func() { Errors = old }()
	log := logrus.New()
	log.SetOutput(io.Discard)
	Fail(log, logrus.Fields{"op": "lookup", "path": "assets/x.png"}, &api.Error{Status: 404})
	Fail(log, logrus.Fields{"op": "read", "path": "assets/x.png"}, errors.Join(errors.New("interrupted"), syscall.EINTR))
	Fail(log, logrus.Fields{"op": "close", "path": "assets/notes.txt"}, &api.Error{Status: 415, Message: "text/plain is not a type Krea accepts"})
	es := Errors.Entries()
	if len(es) != 1 || es[0].Op != "close" || es[0].Path != "assets/notes.txt" || es[0].ErrnoName() != "EINVAL" ||
		!strings.Contains(es[0].Reason, "not a type Krea accepts") {
		t.Fatalf("entries %+v; want only the close of notes.txt with EINVAL and its reason", es)
	}
}
