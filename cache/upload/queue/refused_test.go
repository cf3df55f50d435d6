package queue

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kreafs/kreafs/api"
)

func (e *env) onRefused() []Item {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Item(nil), e.refused...)
}

func TestTheOwnerIsToldOfEachRefusalOnceBeforeWaitReturns(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.refuse["bad.png"] = &api.Error{Status: 400, Message: "invalid file type"}
	e.srv.failBefore = 2 // transient failures first: not refusals
	q := e.open()
	ok := e.write(q, "ok.png", []byte("fine"))
	if err := e.waitDriven(q, ok); err != nil {
		t.Fatal(err)
	}
	id := e.write(q, "bad.png", []byte("not a png"))
	if err := e.waitDriven(q, id); !errors.Is(err, api.ErrBadRequest) {
		t.Fatalf("Wait = %v", err)
	}
	// Told before Wait returned: no waiting here.
	got := e.onRefused()
	if len(got) != 1 || got[0].ID != id || got[0].Name != "bad.png" || got[0].State != Failed || !strings.Contains(got[0].Err, "invalid file type") {
		t.Fatalf("Refused calls = %+v, want one for bad.png, Failed", got)
	}
	e.clk.Advance(time.Hour)
	if n := len(e.onRefused()); n != 1 {
		t.Fatalf("%d Refused calls after an hour; want the one", n)
	}

	// A retry refused again is a new refusal.
	if err := q.Retry(id); err != nil {
		t.Fatal(err)
	}
	if err := e.waitDriven(q, id); !errors.Is(err, api.ErrBadRequest) {
		t.Fatalf("Wait after Retry = %v", err)
	}
	if got := e.onRefused(); len(got) != 2 || got[1].ID != id {
		t.Fatalf("Refused calls after a refused retry = %+v", got)
	}
}

func TestRefusalsAnEarlierRunLeftAreReportedAtStart(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.refuse["bad.png"] = &api.Error{Status: 400, Message: "invalid file type"}
	e.srv.refuse["paid.png"] = &api.Error{Status: 402, Message: "insufficient credits"}
	q := e.open()
	bad := e.write(q, "bad.png", []byte("x"))
	paid := e.write(q, "paid.png", []byte("y"))
	if err := e.waitAllDriven(q); err == nil {
		t.Fatal("WaitAll of two refused uploads succeeded")
	}
	if n := len(e.onRefused()); n != 2 {
		t.Fatalf("%d Refused calls for two refusals", n)
	}
	q.Close(context.Background())

	// The next run reports the one still Failed, at Start; the account
	// refusal (402) is tried again, and reported when refused again.
	q = e.open()
	got := e.onRefused()
	if len(got) != 3 || got[2].ID != bad || got[2].State != Failed || !strings.Contains(got[2].Err, "invalid file type") {
		t.Fatalf("Refused calls after a restart = %+v, want bad.png's again", got)
	}
	if err := e.waitDriven(q, paid); !errors.Is(err, api.ErrPaymentRequired) {
		t.Fatalf("Wait for paid.png = %v", err)
	}
	if got := e.onRefused(); len(got) != 4 || got[3].ID != paid {
		t.Fatalf("Refused calls = %+v, want paid.png's last", got)
	}
}
