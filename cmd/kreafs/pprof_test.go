package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestStartPprofRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:6060", "example.com:6060", "nonsense"} {
		var out bytes.Buffer
		if ln := startPprof(addr, &out); ln != nil {
			ln.Close()
			t.Errorf("startPprof(%q) listened; want refused", addr)
		}
		if !strings.Contains(out.String(), "profiling off") {
			t.Errorf("startPprof(%q) said %q; want a reason and \"profiling off\"", addr, out.String())
		}
	}
}

func TestStartPprofOffWhenUnset(t *testing.T) {
	var out bytes.Buffer
	if ln := startPprof("", &out); ln != nil || out.Len() != 0 {
		t.Errorf("startPprof(\"\") = %v, said %q; want nothing", ln, out.String())
	}
}

func TestStartPprofServesProfiles(t *testing.T) {
	var out bytes.Buffer
	ln := startPprof("127.0.0.1:0", &out)
	if ln == nil {
		t.Fatalf("startPprof(127.0.0.1:0) did not listen: %s", out.String())
	}
	defer ln.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Errorf("goroutine profile: status %d, body %.80q", resp.StatusCode, body)
	}
}
