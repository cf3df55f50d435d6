package view

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

func readAll(e *Events, from int64, chunk int) string {
	var out bytes.Buffer
	buf := make([]byte, chunk)
	for off := from; ; {
		n := e.ReadAt(buf, off)
		if n == 0 {
			return out.String()
		}
		out.Write(buf[:n])
		off += int64(n)
	}
}

func TestEventsAreOneLineEachWithTimeKindAndPath(t *testing.T) {
	e := NewEvents(1 << 20)
	clock := time.Date(2026, 12, 5, 6, 19, 37, 123e6, time.UTC)
	e.now = func() time.Time { return clock }
	e.Add(EventAssetAdded, "", "assets/album/my beach.png")
	e.Add(EventJobState, "completed", "jobs/abc")
	e.Add(EventUploadRefused, "", "assets/evil\nname\x1b[31m.png")
	want := "2026-12-05T06:19:37.123Z asset-added assets/album/my beach.png\n" +
		"2026-12-05T06:19:37.123Z job-state completed jobs/abc\n" +
		"2026-12-05T06:19:37.123Z upload-refused assets/evil?name?[31m.png\n"
	if got := readAll(e, 0, 7); got != want {
		t.Errorf("log reads\n%q\nwant\n%q", got, want)
	}
	if e.Size() != int64(len(want)) {
		t.Errorf("size %d, want %d", e.Size(), len(want))
	}
}

func TestAReaderThatFollowsTheSizeGetsEachLineOnce(t *testing.T) {
	e := NewEvents(1 << 20)
	var got strings.Builder
	var off int64
	follow := func() { // what tail -f does: stat, then read what grew
		size := e.Size()
		buf := make([]byte, size-off)
		n := e.ReadAt(buf, off)
		got.Write(buf[:n])
		off += int64(n)
	}
	ch := e.Changed()
	e.Add(EventAssetAdded, "", "assets/a.png")
	select {
	case <-ch:
	default:
		t.Fatal("Changed not closed by Add")
	}
	follow()
	e.Add(EventResultReady, "", "jobs/j1/result.png")
	e.Add(EventAssetRemoved, "", "assets/a.png")
	follow()
	follow()
	if n := strings.Count(got.String(), "\n"); n != 3 || !strings.Contains(got.String(), "result-ready jobs/j1/result.png") {
		t.Errorf("follower read %q", got.String())
	}
	if e.ReadAt(make([]byte, 10), e.Size()+5) != 0 {
		t.Error("a read past the end returned bytes")
	}
}

func TestOldEventsDropOutButOffsetsStayAndTheFileStaysText(t *testing.T) {
	e := NewEvents(200)
	for i := 0; i < 50; i++ {
		e.Add(EventAssetAdded, "", "assets/file.png")
	}
	lineLen := int64(len(readAll(e, e.Size()-1, 1))) // sanity: last byte
	if lineLen != 1 {
		t.Fatal("cannot read the last byte")
	}
	all := readAll(e, 0, 33)
	if int64(len(all)) != e.Size() {
		t.Fatalf("read %d bytes of %d", len(all), e.Size())
	}
	if !strings.HasPrefix(all, droppedNote) {
		t.Errorf("dropped bytes do not start with the note: %q", all[:40])
	}
	lines := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if strings.TrimSpace(strings.TrimPrefix(lines[0], droppedNote)) != "" {
		t.Errorf("the dropped region is not one line of spaces: %q", lines[0])
	}
	kept := lines[1:]
	if len(kept) == 0 || len(kept)*len(kept[0]) > 200+len(kept[0]) {
		t.Errorf("kept %d lines", len(kept))
	}
	for _, l := range kept {
		if !strings.HasSuffix(l, " asset-added assets/file.png") {
			t.Errorf("kept line %q", l)
		}
	}
	// The tail the last 3 lines: what tail prints at start.
	tail := readAll(e, e.Size()-int64(3*(len(kept[0])+1)), 4096)
	if strings.Count(tail, "\n") != 3 || strings.Contains(tail, droppedNote) {
		t.Errorf("tail reads %q", tail)
	}
}

func TestChangesNameAddedAndRemovedAssetsByPath(t *testing.T) {
	a := asset("aaaaaaaa1", "album/x.png", "image/png", 0)
	b := asset("bbbbbbbb2", "y.png", "image/png", 1)
	c := asset("cccccccc3", "album/z.png", "image/png", 2)
	old := NewAssetTree(1, []api.Asset{a, b}, nil)
	neu := NewAssetTree(2, []api.Asset{a, c}, nil)
	add, rm := neu.Changes(old)
	if len(add) != 1 || add[0] != "album/z.png" || len(rm) != 1 || rm[0] != "y.png" {
		t.Errorf("added %q removed %q", add, rm)
	}
	if add, rm := neu.Changes(nil); add != nil || rm != nil {
		t.Error("a first listing reports changes")
	}
}
