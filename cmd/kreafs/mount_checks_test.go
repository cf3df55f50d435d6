package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestOnlyAnAPIThatDoesNotAnswerAsOneCountsAsUnreachable(t *testing.T) {
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>not json</html>"))
	}))
	defer garbage.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tc := range []struct {
		story, url string
		want       bool
	}{
		{"nothing listens (a typo in the port)", closed.URL, true},
		{"a web server that is not the API (404)", notFound.URL, true},
		{"the API answers 200 with a body it cannot read", garbage.URL, false},
	} {
		t.Run(tc.story, func(t *testing.T) {
			client, err := api.New(api.Config{BaseURL: tc.url, Token: "kreafs-test-token"})
			if err != nil {
				t.Fatal(err)
			}
			unreachable, err := checkToken(context.Background(), client)
			if err != nil || unreachable == nil {
				t.Fatalf("start check: %v, %v; want an unreachable error", unreachable, err)
			}
			if got := notAnswering(unreachable); got != tc.want {
				t.Errorf("notAnswering(%v) = %v, want %v", unreachable, got, tc.want)
			}
		})
	}
}
