package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMtimesSurviveReopenAndMoveDelete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.log")
	m, err := OpenMtimes(path)
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Date(2024, 3, 1, 10, 0, 0, 123456789, time.UTC)
	t2 := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	odd := "u:1 \"quoted\"\nnew line"
	for _, err := range []error{
		m.Set("a:x", t1), m.Set(odd, t2), m.Set("a:gone", t1), m.Delete("a:gone"),
		m.Set("u:7", t2), m.Move("u:7", "a:y"), m.Move("u:nothing", "a:z"),
		// Settle: from's time; else fallback; a time of to's own stands.
		m.Set("u:8", t2), m.Settle("u:8", "a:s1", t1), m.Settle("u:none", "a:s2", t1),
		m.Set("u:9", t2), m.Set("a:s3", t1), m.Settle("u:9", "a:s3", t2),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("log mode: %v %v", st, err)
	}
	m2, err := OpenMtimes(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	for _, c := range []struct {
		key  string
		want time.Time
		ok   bool
	}{
		{"a:x", t1, true}, {odd, t2, true}, {"a:y", t2, true},
		{"a:gone", time.Time{}, false}, {"u:7", time.Time{}, false}, {"a:z", time.Time{}, false},
		{"a:s1", t2, true}, {"u:8", time.Time{}, false}, {"a:s2", t1, true},
		{"a:s3", t1, true}, {"u:9", time.Time{}, false},
	} {
		got, ok := m2.Get(c.key)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("Get(%q) = %v, %v; want %v, %v", c.key, got, ok, c.want, c.ok)
		}
	}
}

func TestMtimesTornTailKeepsWhatCameBefore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.log")
	good := setLine("a:1", time.Unix(100, 0)) + setLine("a:2", time.Unix(200, 0))
	if err := os.WriteFile(path, []byte(good+"set \"a:3\" 30"+"0\nset \"a:"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := OpenMtimes(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got, ok := m.Get("a:2"); !ok || got.Unix() != 200 {
		t.Errorf("a:2 = %v %v", got, ok)
	}
	if got, ok := m.Get("a:3"); !ok || got.Unix() != 0 || got.UnixNano() != 300 {
		t.Errorf("a:3 = %v %v (a whole line before the torn one)", got, ok)
	}
	for _, bad := range []string{"", "set", "set a:1 5", "set \"a:1\"", "set \"a:1\" x", "del \"a:1\" 5", "put \"a:1\" 5"} {
		if newMtimesLog().apply(bad) {
			t.Errorf("apply(%q) accepted a malformed line", bad)
		}
	}
}

func TestMtimesLogIsCompactedAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.log")
	m, err := OpenMtimes(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3*compactAfter; i++ {
		if err := m.Set("a:same", time.Unix(int64(i), 0)); err != nil {
			t.Fatal(err)
		}
	}
	m.Close()
	m2, err := OpenMtimes(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "\n"); n != 1 {
		t.Errorf("the log has %d lines after compaction, want 1", n)
	}
	if got, _ := m2.Get("a:same"); got.Unix() != 3*compactAfter-1 {
		t.Errorf("a:same = %v", got)
	}
}

func TestMtimesNilIsEmpty(t *testing.T) {
	var m *Mtimes
	if _, ok := m.Get("a:1"); ok {
		t.Error("nil Mtimes has a time")
	}
	if m.Set("a:1", time.Now()) != nil || m.Delete("a:1") != nil || m.Move("a", "b") != nil || m.Close() != nil {
		t.Error("nil Mtimes failed")
	}
}
