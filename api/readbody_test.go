package api

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAllSizedReadsWhatReadAllReads(t *testing.T) {
	body := strings.Repeat("0123456789", 1000) // 10,000 bytes
	for _, tc := range []struct {
		name        string
		hint, limit int64
	}{
		{"exact hint", 10000, 20001},
		{"no hint", -1, 20001},
		{"hint too small", 100, 20001},
		{"hint too large", 50000, 60001},
		{"limit cuts", 10000, 5000},
		{"hint at the limit", 5000, 5000},
	} {
		for _, r := range []func() io.Reader{
			func() io.Reader { return strings.NewReader(body) },
			func() io.Reader { return iotest.OneByteReader(strings.NewReader(body)) },
			func() io.Reader { return iotest.DataErrReader(strings.NewReader(body)) },
		} {
			got, err := readAllSized(r(), tc.hint, tc.limit)
			want, werr := io.ReadAll(io.LimitReader(r(), tc.limit))
			if !bytes.Equal(got, want) || (err == nil) != (werr == nil) {
				t.Errorf("%s: %d bytes, %v; io.ReadAll: %d bytes, %v", tc.name, len(got), err, len(want), werr)
			}
		}
	}
	boom := errors.New("boom")
	if _, err := readAllSized(iotest.ErrReader(boom), 10, 100); !errors.Is(err, boom) {
		t.Errorf("a read error: %v, want it returned", err)
	}
}
