package emulator_test

import (
	"strings"
	"testing"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// ownStyle is one of the user's own seeded styles.
func ownStyle(t *testing.T, s *emulator.Server) api.Style {
	t.Helper()
	for _, st := range s.Styles() {
		if st.Owner != nil && st.Owner.ID == emulator.UserID {
			return st
		}
	}
	t.Fatal("no own style seeded")
	return api.Style{}
}

func TestStyleTitleSwitches(t *testing.T) {
	for _, tc := range []struct {
		mode      string
		status    int
		wantTitle func(old string) string
	}{
		{"", 400, func(old string) string { return old }},
		{emulator.StyleTitleRefuse, 400, func(old string) string { return old }},
		{emulator.StyleTitleAccept, 200, func(string) string { return "Renamed" }},
		{emulator.StyleTitleIgnore, 200, func(old string) string { return old }},
	} {
		t.Run("mode "+tc.mode, func(t *testing.T) {
			s := start(t, emulator.Options{SeedStyles: 3, StyleTitle: tc.mode})
			own := ownStyle(t, s)
			old := *own.Title
			a := call(t, s, "PATCH", "/styles/"+own.ID, strings.NewReader(`{"title":"Renamed"}`), "application/json")
			if a.status != tc.status {
				t.Fatalf("PATCH title: %d %s, want %d", a.status, a.body, tc.status)
			}
			if a.status == 400 && a.errorMessage(t) != "No valid fields to update" {
				t.Errorf("refusal says %s", a.body)
			}
			if a.status == 200 {
				var st api.Style
				a.json(t, &st)
				if st.Title == nil || *st.Title != tc.wantTitle(old) {
					t.Errorf("answer title %v, want %q", st.Title, tc.wantTitle(old))
				}
			}
			var got api.Style
			getJSON(t, s, "/styles/"+own.ID, &got)
			if got.Title == nil || *got.Title != tc.wantTitle(old) {
				t.Errorf("title afterwards %v, want %q", got.Title, tc.wantTitle(old))
			}
			// public works in every mode.
			if a := call(t, s, "PATCH", "/styles/"+own.ID, strings.NewReader(`{"public":true}`), "application/json"); a.status != 200 {
				t.Errorf("PATCH public: %d %s", a.status, a.body)
			}
		})
	}
	if _, err := emulator.Start(emulator.Options{StyleTitle: "rename"}); err == nil {
		t.Error("unknown StyleTitle accepted")
	}
}
