package emulator_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api/emulator"
)

func TestErrorShapeSwitches(t *testing.T) {
	for _, tc := range []struct {
		shape string
		check func(body []byte) (msg string, ok bool)
	}{
		{"", fieldString("error")},
		{emulator.ErrorShapeError, fieldString("error")},
		{emulator.ErrorShapeMessage, fieldString("message")},
		{emulator.ErrorShapeDetail, fieldString("detail")},
		{emulator.ErrorShapeDetailList, func(b []byte) (string, bool) {
			var m map[string][]struct {
				Loc  []any  `json:"loc"`
				Msg  string `json:"msg"`
				Type string `json:"type"`
			}
			if json.Unmarshal(b, &m) != nil || len(m) != 1 || len(m["detail"]) != 1 {
				return "", false
			}
			d := m["detail"][0]
			return d.Msg, len(d.Loc) > 0 && d.Type != ""
		}},
	} {
		t.Run("shape "+tc.shape, func(t *testing.T) {
			s := start(t, emulator.Options{ErrorShape: tc.shape})
			bad := postJSON(t, s, "/generate/image/bfl/flux-1-dev", map[string]any{"prompt": 5})
			wantBad := http.StatusBadRequest
			if tc.shape == emulator.ErrorShapeDetailList {
				wantBad = http.StatusUnprocessableEntity
			}
			for _, a := range []struct {
				what string
				a    answer
				want int
			}{
				{"unknown job", call(t, s, "GET", "/jobs/00000000-0000-4000-8000-000000000000", nil, ""), 404},
				{"no token", callToken(t, s, "", "GET", "/assets", nil, ""), 401},
				{"bad limit", call(t, s, "GET", "/assets?limit=0", nil, ""), 400},
				{"invalid body", bad, wantBad},
			} {
				if a.a.status != a.want {
					t.Errorf("%s: %d, want %d", a.what, a.a.status, a.want)
				}
				msg, ok := tc.check(a.a.body)
				if !ok || msg == "" {
					t.Errorf("%s: body %s is not the %q shape", a.what, a.a.body, tc.shape)
				}
				if a.what == "bad limit" && !strings.Contains(msg, "limit") {
					t.Errorf("%s: message %q does not say why", a.what, msg)
				}
			}
		})
	}
	if _, err := emulator.Start(emulator.Options{ErrorShape: "xml"}); err == nil {
		t.Error("unknown ErrorShape accepted")
	}
}

// fieldString checks a body that is exactly {"<field>": "<message>"}.
func fieldString(field string) func([]byte) (string, bool) {
	return func(b []byte) (string, bool) {
		var m map[string]any
		if json.Unmarshal(b, &m) != nil || len(m) != 1 {
			return "", false
		}
		s, ok := m[field].(string)
		return s, ok
	}
}
