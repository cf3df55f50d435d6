package emulator_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api/emulator"
)

// An upload whose body never ends (the client's connection closes before
// its last byte: a crash, or kreafs giving up an attempt whose intent it
// could not journal) creates nothing, with a Content-Length or chunked
// (docs/api-assumptions.md, "A POST whose body never ends").
func TestAnUploadWhoseBodyNeverEndsCreatesNothing(t *testing.T) {
	s := start(t, emulator.Options{})
	body, ctype := multipartBody(t, pngOf(t, 64, 64), "a.png", "a.png")
	whole := body.Bytes()
	for _, tc := range []struct {
		name string
		head string
		sent string
	}{
		{"Content-Length, all but the last byte", fmt.Sprintf("Content-Length: %d\r\n", len(whole)), string(whole[:len(whole)-1])},
		{"chunked, without the closing boundary", "Transfer-Encoding: chunked\r\n",
			fmt.Sprintf("%x\r\n%s\r\n", len(whole)-40, whole[:len(whole)-40])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "POST /assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n%s\r\n%s",
				s.Token(), ctype, tc.head, tc.sent)
			time.Sleep(100 * time.Millisecond) // the server has read what was sent
			c.Close()
			time.Sleep(100 * time.Millisecond) // and seen the connection end
			if n := len(s.Assets()); n != 0 || s.UploadCount() != 0 {
				t.Fatalf("%d assets, %d uploads from a body that never ended", n, s.UploadCount())
			}
		})
	}
	if a := upload(t, s, pngOf(t, 64, 64), "a.png", "a.png"); a.status != 200 && a.status != 201 {
		t.Fatalf("a whole upload: %d %s", a.status, a.body)
	}
	if s.UploadCount() != 1 {
		t.Fatalf("uploads %d after a whole one", s.UploadCount())
	}
}
