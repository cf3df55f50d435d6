package metrics

import (
	"net/http"
	"testing"
)

func TestMetricsListenOnLoopbackUnlessAnotherAddressIsNamed(t *testing.T) {
	for in, want := range map[string]string{
		":9101":          "127.0.0.1:9101",
		"9101":           "127.0.0.1:9101",
		"127.0.0.1:9101": "127.0.0.1:9101",
		"0.0.0.0:9101":   "0.0.0.0:9101",
		"[::1]:9101":     "[::1]:9101",
		"10.1.2.3:80":    "10.1.2.3:80",
	} {
		if got := listenAddr(in); got != want {
			t.Errorf("listenAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMetricsNameEndpointsWithoutIDs(t *testing.T) {
	m := New("127.0.0.1:0", "http://api.example:8080/")
	tr := &countingTransport{m: m}
	for url, want := range map[string]string{
		"http://api.example:8080/assets?limit=1000":                           "GET /assets",
		"http://api.example:8080/assets/3f0c8a1e-2b4d-4c6e-8f00-000000000001": "GET /assets/{id}",
		"http://api.example:8080/generate/image/bfl/flux-1-dev":               "GET /generate/image/bfl/flux-1-dev",
		"http://files.example/a/3f0c8a1e-2b4d-4c6e-8f00-000000000001.png":     "GET files",
	} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if got := tr.endpoint(req); got != want {
			t.Errorf("%s: %q, want %q", url, got, want)
		}
	}
	if New("", "http://x") != nil {
		t.Error("metrics without --metrics-addr")
	}
}
