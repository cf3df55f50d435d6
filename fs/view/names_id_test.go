package view

import (
	"strings"
	"testing"
)

func TestIDLike(t *testing.T) {
	for s, want := range map[string]bool{
		"4d0e5f97-9721-4422-b88c-73a9032d7de1": true, // the spec's example
		"a816d79d-55c9-43ee-81c3-8330ffe79e6c": true,
		"abc_DEF-123":                          true,
		"V1StGXR8_Z5jdHi6B-myT":                true, // nanoid
		"01ARZ3NDEKTSV4RRFFQ69G5FAV":           true, // ULID
		"507f1f77bcf86cd799439011":             true, // hex object id
		"":                                     false,
		".git":                                 false,
		"x.txt":                                false,
		"has space":                            false,
		".directory":                           false,
		".hidden":                              false,
		"desktop.ini":                          false,
		"Thumbs.db":                            false,
		"autorun.inf":                          false,
		".DS_Store":                            false,
		"HEAD":                                 false,
		"Desktop":                              false,
		"4d0e5f97-9721-4422-b88c-73a9032d7de1.png": false,
		string(make([]byte, 200)):                  false,
		strings.Repeat("a", 129):                   false,
	} {
		if got := IDLike(s); got != want {
			t.Errorf("IDLike(%q) = %v, want %v", s, got, want)
		}
	}
}
