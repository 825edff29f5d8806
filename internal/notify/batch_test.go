package notify

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeRegistry records Apply calls; each says it started on entered (if
// not nil) and waits on gate, so that rows pile up behind a running write.
type fakeRegistry struct {
	Registry
	mu      sync.Mutex
	calls   [][2]int // adds, removes per call
	rows    map[string]bool
	entered chan struct{}
	gate    chan struct{}
	failIDs map[string]bool
}

func (f *fakeRegistry) Apply(_ context.Context, adds []Record, removes []string) error {
	if f.entered != nil {
		select {
		case f.entered <- struct{}{}:
		default: // nobody is waiting for this one
		}
	}
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, [2]int{len(adds), len(removes)})
	for _, r := range adds {
		if f.failIDs[r.ID] {
			return errors.New("refused")
		}
	}
	for _, r := range adds {
		f.rows[r.ID] = true
	}
	for _, id := range removes {
		delete(f.rows, id)
	}
	return nil
}

// TestRegistryBatcherGroups: writes that come while one runs go together
// in the next; every caller returns once its own row is written, with the
// error of its batch.
func TestRegistryBatcherGroups(t *testing.T) {
	f := &fakeRegistry{rows: map[string]bool{"old": true}, entered: make(chan struct{}, 1), gate: make(chan struct{}), failIDs: map[string]bool{"bad": true}}
	b := &registryBatcher{reg: f}
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { first <- b.add(ctx, Record{ID: "a0"}) }()
	// a0's write runs (it waits at the gate); then queue more.
	<-f.entered
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 9 {
				errs[i] = b.remove(ctx, "old")
				return
			}
			errs[i] = b.add(ctx, Record{ID: "a" + string(rune('1'+i))})
		}()
	}
	// Wait until all ten wait behind it (polling: the batcher has no event
	// for a queued row; the deadline is a bound, not a timing assertion).
	for deadline := time.Now().Add(30 * time.Second); ; {
		b.mu.Lock()
		n := len(b.ops)
		b.mu.Unlock()
		if n == 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 10 rows queued behind the running write", n)
		}
		time.Sleep(time.Millisecond)
	}
	close(f.gate) // let every write through
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if len(f.calls) != 2 || f.calls[0] != [2]int{1, 0} || f.calls[1] != [2]int{9, 1} {
		t.Fatalf("Apply calls %v, want [[1 0] [9 1]]", f.calls)
	}
	if len(f.rows) != 10 || f.rows["old"] {
		t.Fatalf("rows %v", f.rows)
	}
	// A failing batch fails its callers; the next write is on its own.
	if err := b.add(ctx, Record{ID: "bad"}); err == nil {
		t.Fatal("a refused row reported success")
	}
	if err := b.add(ctx, Record{ID: "good"}); err != nil || !f.rows["good"] {
		t.Fatalf("after a failed batch: %v", err)
	}
	// The writer goroutine ends just after it answered the last caller
	// (a bound, not a timing assertion).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		writing, ops := b.writing, len(b.ops)
		b.mu.Unlock()
		if !writing && ops == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("batcher not idle: writing %v, %d ops", writing, ops)
		}
	}
}
