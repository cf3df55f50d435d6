package main

import "testing"

func TestMountinfoEscapesAreUndone(t *testing.T) {
	for in, want := range map[string]string{`/mnt/my\040krea`: "/mnt/my krea", `/a\134b`: `/a\b`, `/q"x`: `/q"x`, `/plain`: "/plain"} {
		if got := unescapeOctal(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
