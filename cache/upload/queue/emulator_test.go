package queue

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
	"github.com/kreafs/kreafs/api/emulator"
)

// tinyPNG returns a valid 1x1 PNG whose bytes differ per n (a tEXt chunk).
func tinyPNG(n int) []byte {
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0} // 1x1, 8-bit greyscale
	idat := []byte{0x78, 0x9c, 0x62, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01}
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("tEXt", []byte(fmt.Sprintf("k\x00file %d", n)))...)
	out = append(out, chunk("IDAT", idat)...)
	return append(out, chunk("IEND", nil)...)
}

// Against the real client and the emulator, with 20% of API answers
// failing (500/503/429), before or AFTER the server applied the request
// (then the answer is lost): every file is uploaded exactly once.
func TestEmulatorWithFaultsUploadsEachFileOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an emulator")
	}
	for _, after := range []bool{false, true} {
		t.Run(fmt.Sprintf("fault after write %v", after), func(t *testing.T) { emulatorRun(t, after) })
	}
}

func emulatorRun(t *testing.T, faultAfterWrite bool) {
	em, err := emulator.Start(emulator.Options{FaultRate: 0.2, FaultAfterWrite: faultAfterWrite, RandSeed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	client, err := api.New(api.Config{BaseURL: em.URL(), Token: em.Token(),
		RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	q, err := Open(Options{Dir: filepath.Join(t.TempDir(), "wb"), Uploader: client, Log: testLogger(),
		MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxAttempts: 1000})
	if err != nil {
		t.Fatal(err)
	}
	q.Start(Observer{})
	defer q.Close(context.Background())

	const N = 100
	want := map[string]string{}
	for i := 0; i < N; i++ {
		name := fmt.Sprintf("photo-%03d.png", i)
		data := tinyPNG(i)
		want[name] = sha(data)
		id, f, err := q.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
		f.Close()
		if err := q.Release(id); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if err := q.WaitAll(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range em.Assets() {
		got[a.Description]++
		if s := a.Size(); s != int64(len(tinyPNG(0))) && s != int64(len(tinyPNG(99))) {
			t.Errorf("%s: size %d", a.Description, s)
		}
	}
	for name := range want {
		if got[name] != 1 {
			t.Errorf("%s uploaded %d times", name, got[name])
		}
	}
	if len(got) != N {
		t.Errorf("%d distinct names on the server, want %d", len(got), N)
	}
	t.Logf("uploads the emulator stored: %d for %d files", em.UploadCount(), N)
}
