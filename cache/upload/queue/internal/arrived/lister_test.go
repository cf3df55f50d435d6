package arrived

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kreafs/kreafs/api"
)

func TestListerSharesOneListingAmongWaiters(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	release := make(chan struct{})
	l := NewLister(func(ctx context.Context) ([]api.Asset, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release
		return []api.Asset{{ID: "x"}}, nil
	})
	mark := l.Mark()
	var wg sync.WaitGroup
	started := make(chan struct{}, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started <- struct{}{}
			if as, err := l.Since(context.Background(), mark); err != nil || len(as) != 1 {
				t.Errorf("since = %v, %v", as, err)
			}
		}()
	}
	for i := 0; i < 10; i++ {
		<-started
	}
	close(release)
	wg.Wait()
	// A listing started after the mark is reused; a later mark forces a new one.
	if _, err := l.Since(context.Background(), mark); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	first := calls
	mu.Unlock()
	if first != 1 {
		t.Fatalf("first round calls = %d", first)
	}
	if _, err := l.Since(context.Background(), l.Mark()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Fatalf("calls = %d after a newer mark", calls)
	}
}

func TestListerDoesNotReuseAListingStartedBeforeTheMark(t *testing.T) {
	inFetch := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	calls := 0
	l := NewLister(func(ctx context.Context) ([]api.Asset, error) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			close(inFetch)
			<-release
		}
		return nil, nil
	})
	go l.Since(context.Background(), 0) // a listing in flight...
	<-inFetch
	mark := l.Mark() // ...when an upload fails ambiguously
	done := make(chan struct{})
	go func() {
		l.Since(context.Background(), mark)
		close(done)
	}()
	close(release)
	<-done
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Fatalf("calls = %d: the failure was checked against a listing that began before it", calls)
	}
}

func TestListerErrorIsReturnedNotCached(t *testing.T) {
	fail := true
	l := NewLister(func(ctx context.Context) ([]api.Asset, error) {
		if fail {
			return nil, errors.New("down")
		}
		return nil, nil
	})
	if _, err := l.Since(context.Background(), 0); err == nil {
		t.Fatal("want error")
	}
	fail = false
	if _, err := l.Since(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}
