package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/kreafs/kreafs/api"
)

func TestToErrno(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("fetch asset x: %w", err) }
	for _, tc := range []struct {
		story string
		err   error
		want  syscall.Errno
	}{
		{"no error", nil, 0},
		{"a missing asset is ENOENT", &api.Error{Status: 404}, syscall.ENOENT},
		{"a wrapped 404 is ENOENT", wrap(&api.Error{Status: 404}), syscall.ENOENT},
		{"410 gone is ENOENT", &api.Error{Status: 410}, syscall.ENOENT},
		{"a local missing file is ENOENT", wrap(iofs.ErrNotExist), syscall.ENOENT},
		{"a rejected token is EACCES", &api.Error{Status: 401}, syscall.EACCES},
		{"a forbidden object is EACCES", wrap(&api.Error{Status: 403}), syscall.EACCES},
		{"too large is EFBIG", &api.Error{Status: 413}, syscall.EFBIG},
		{"out of credits is EDQUOT", &api.Error{Status: 402}, syscall.EDQUOT},
		{"a bad request is EINVAL", &api.Error{Status: 400}, syscall.EINVAL},
		{"a refused validation (422) is EINVAL", wrap(&api.Error{Status: 422, Message: "body.file: field required"}), syscall.EINVAL},
		{"an unsupported media type (415) is EINVAL", &api.Error{Status: 415}, syscall.EINVAL},
		{"a conflict (409) is EBUSY", &api.Error{Status: 409}, syscall.EBUSY},
		{"Ctrl-C is EINTR", context.Canceled, syscall.EINTR},
		{"a wrapped cancellation is EINTR", wrap(context.Canceled), syscall.EINTR},
		{"a timeout is EIO", context.DeadlineExceeded, syscall.EIO},
		{"a wrapped timeout is EIO", wrap(context.DeadlineExceeded), syscall.EIO},
		{"server errors after retries are EIO", &api.Error{Status: 503}, syscall.EIO},
		{"rate limited after retries is EIO", &api.Error{Status: 429}, syscall.EIO},
		{"a network error is EIO", errors.New("dial tcp: connection refused"), syscall.EIO},
		{"a refused connection is EIO, not ECONNREFUSED", wrap(netErr("dial", "connect", syscall.ECONNREFUSED)), syscall.EIO},
		{"a reset connection is EIO, not ECONNRESET", wrap(netErr("read", "read", syscall.ECONNRESET)), syscall.EIO},
		{"a full cache disk is ENOSPC", wrap(&iofs.PathError{Op: "write", Path: "/c/objects/ab/x-1", Err: syscall.ENOSPC}), syscall.ENOSPC},
		{"a local copy keeps its errno", wrap(&iofs.PathError{Op: "write", Path: "/c/x", Err: os.NewSyscallError("copy_file_range", syscall.ENOSPC)}), syscall.ENOSPC},
		{"an errno passes through", syscall.ENOSPC, syscall.ENOSPC},
		{"a wrapped errno passes through", wrap(syscall.EROFS), syscall.EROFS},
		{"a zero errno is still a failure", wrap(syscall.Errno(0)), syscall.EIO},
	} {
		t.Run(tc.story, func(t *testing.T) {
			if got := ToErrno(tc.err); got != tc.want {
				t.Errorf("ToErrno(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// netErr is an error as net/http returns it for a failed network call.
func netErr(op, sys string, en syscall.Errno) error {
	return &url.Error{Op: "Get", URL: "http://127.0.0.1:1/files/a/x.png",
		Err: &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(sys, en)}}
}

func TestFailLogsOnce(t *testing.T) {
	var buf bytes.Buffer
	l := logrus.New()
	l.SetOutput(&buf)
	l.SetLevel(logrus.DebugLevel)
	en := Fail(l, logrus.Fields{"op": "read", "id": "a1"}, &api.Error{Status: 500, Message: "boom"})
	if en != syscall.EIO {
		t.Fatalf("errno %v", en)
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "id=a1") || !strings.Contains(out, "boom") || !strings.Contains(out, "level=warn") {
		t.Errorf("want one warning naming the asset and cause, got %q", out)
	}
	buf.Reset()
	if en := Fail(l, logrus.Fields{"op": "upload"}, &api.Error{Status: 422, Message: "body.file: field required", Op: "POST /assets"}); en != syscall.EINVAL ||
		!strings.Contains(buf.String(), "body.file: field required") {
		t.Errorf("a 422: errno %v, log %q; want EINVAL and the message in the log", en, buf.String())
	}
	buf.Reset()
	if en := Fail(l, logrus.Fields{"op": "read"}, nil); en != 0 || buf.Len() != 0 {
		t.Errorf("nil error: errno %v, log %q", en, buf.String())
	}
	buf.Reset()
	Fail(l, logrus.Fields{"op": "read"}, context.Canceled)
	if !strings.Contains(buf.String(), "level=debug") {
		t.Errorf("an interrupted read is not a warning: %q", buf.String())
	}
}
