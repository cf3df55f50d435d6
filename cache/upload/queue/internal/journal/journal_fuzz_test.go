package journal

import (
	"reflect"
	"testing"
)

// FuzzReadRecord: a journal record damaged in any way (a crash, a full
// disk, a human) is either refused with an error (the queue sets it aside
// as .corrupt) or a record that passes every check DecodeRecord makes; and
// such a record survives a write and a read unchanged.
func FuzzReadRecord(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"0123456789abcdef0123456789abcdef","name":"a.png","gen":0,"size":3,"state":"pending","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"v":1,"id":"0123456789abcdef0123456789abcdef","name":"a.png","gen":2,"size":3,"state":"uploaded","asset":{"id":"x"},"replaces":["y"],"intent":{"marker":"m","gen":1,"size":3}}`))
	f.Add([]byte(`{"v":1,"id":"0123456789abcdef0123456789abcdef","state":"failed","err":"boom","err_status":402}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`{"v":1,"id":"../../etc/passwd","state":"pending"}`))
	f.Add([]byte("{\"v\":1,\"id\":\"0123456789abcdef0123456789abcdef\",\"state\":\"pending\"}\n{trailing"))
	f.Add([]byte{})
	l, err := NewLayout(f.TempDir(), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRecord(data)
		if err != nil {
			return
		}
		if !ValidID(r.ID) || r.Gen < 0 || r.V != Version {
			t.Fatalf("accepted a record with id %q, gen %d, version %d", r.ID, r.Gen, r.V)
		}
		switch r.State {
		case Writing, Pending, Failed, Uploaded, Canceled:
		default:
			t.Fatalf("accepted a record in state %q", r.State)
		}
		if r.State == Uploaded && r.Asset == nil {
			t.Fatalf("accepted an uploaded record without its asset")
		}
		if err := l.WriteRecord(r); err != nil {
			t.Fatalf("writing back an accepted record: %v", err)
		}
		again, err := l.ReadRecord(r.ID)
		if err != nil {
			t.Fatalf("a record written by WriteRecord does not read back: %v", err)
		}
		r.Seq = again.Seq
		if !reflect.DeepEqual(normalize(again), normalize(r)) {
			t.Fatalf("record changed in a round trip:\n%+v\n%+v", r, again)
		}
		_ = l.RemoveRecordUnsynced(r.ID)
	})
}

// normalize drops what a JSON round trip may legitimately change (the
// monotonic clock reading and location of times, raw JSON spacing).
func normalize(r Record) Record {
	r.Created = r.Created.UTC().Round(0)
	r.Modified = r.Modified.UTC().Round(0)
	if r.Intent != nil {
		in := *r.Intent
		in.Started = in.Started.UTC().Round(0)
		r.Intent = &in
	}
	if r.Asset != nil {
		a := *r.Asset
		a.UploadedAt = a.UploadedAt.UTC().Round(0)
		a.Metadata = nil
		r.Asset = &a
	}
	return r
}
