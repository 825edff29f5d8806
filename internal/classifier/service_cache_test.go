package classifier

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
)

// fakeStore is the part of a Store that deciding reads, counting the rule
// listings; the rest panics (nil embedded interface).
type fakeStore struct {
	Store
	mu        sync.Mutex
	state     State
	rules     []Rule
	listed    int           // ListRules calls
	entered   chan struct{} // State signals here when set
	proceed   chan struct{} // and then waits for this when set
	listRules chan struct{} // ListRules waits for this when set
}

func (f *fakeStore) State(ctx context.Context, userID string) (State, error) {
	f.mu.Lock()
	entered, proceed := f.entered, f.proceed
	f.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
		<-proceed
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state, nil
}

func (f *fakeStore) ListRules(ctx context.Context, userID string) ([]Rule, error) {
	if f.listRules != nil {
		<-f.listRules
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listed++
	return append([]Rule(nil), f.rules...), nil
}

func (f *fakeStore) Examples(ctx context.Context, userID string) ([]Learned, error) { return nil, nil }

func (f *fakeStore) ListCategories(ctx context.Context, userID string) ([]Category, error) {
	return nil, nil
}

func newFakeService(t *testing.T, f *fakeStore) *Service {
	t.Helper()
	s, err := New(context.Background(), DefaultConfig(nil), f, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func coffeeRule(cat string) Rule {
	return Rule{ID: "r1", Enabled: true, CategoryID: cat, Version: 1,
		Conditions: []Condition{{Field: "description", Op: "regex", Value: `coff?ee\b`}}}
}

// TestRulesCompiledOncePerVersion: rules are listed and compiled once per
// version of the user's rules, whatever the number of requests, and again
// when the version changes.
func TestRulesCompiledOncePerVersion(t *testing.T) {
	f := &fakeStore{state: State{Rules: 1, Settings: DefaultSettings("u")}, rules: []Rule{coffeeRule("food_and_drink")}}
	s := newFakeService(t, f)
	ctx := context.Background()
	for range 5 {
		res, err := s.Classify(ctx, "u", []Item{{Description: "Coffee shop"}})
		if err != nil || res[0].CategoryID != "food_and_drink" {
			t.Fatalf("classify: %+v %v", res, err)
		}
	}
	if f.listed != 1 {
		t.Fatalf("rules listed %d times for one version, want 1", f.listed)
	}
	f.mu.Lock()
	f.state.Rules, f.rules = 2, []Rule{coffeeRule("travel")}
	f.mu.Unlock()
	res, err := s.Classify(ctx, "u", []Item{{Description: "Coffee shop"}})
	if err != nil || res[0].CategoryID != "travel" || f.listed != 2 {
		t.Fatalf("after a new version: %+v %v, listed %d", res, err, f.listed)
	}
	// Another user has rules of their own.
	if _, err := s.Classify(ctx, "v", []Item{{Description: "x"}}); err != nil || f.listed != 3 {
		t.Fatalf("another user: %v, listed %d", err, f.listed)
	}
}

// TestRulesBuiltOnceConcurrently: requests that arrive while the rules are
// being built wait for that build instead of starting their own.
func TestRulesBuiltOnceConcurrently(t *testing.T) {
	f := &fakeStore{state: State{Rules: 1, Settings: DefaultSettings("u")}, rules: []Rule{coffeeRule("food_and_drink")},
		listRules: make(chan struct{})}
	s := newFakeService(t, f)
	s.limit = newLimiter(10)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = s.Classify(ctx, "u", []Item{{Description: "Coffee"}})
		}()
	}
	close(f.listRules) // the first build, whoever started it, can finish
	wg.Wait()
	for _, err := range results {
		if err != nil {
			t.Fatal(err)
		}
	}
	if f.listed != 1 {
		t.Fatalf("rules listed %d times, want 1", f.listed)
	}
}

// TestPerUserConcurrency: a user runs at most MaxConcurrent classifications
// at once; the next is ErrBusy, another user is not affected, and a slot
// given back can be taken again.
func TestPerUserConcurrency(t *testing.T) {
	proceed := make(chan struct{})
	f := &fakeStore{state: State{Settings: DefaultSettings("u")}, entered: make(chan struct{}), proceed: proceed}
	s := newFakeService(t, f)
	ctx := context.Background()
	done := make(chan error)
	for range 2 {
		go func() {
			_, err := s.Classify(ctx, "u", []Item{{Description: "x"}})
			done <- err
		}()
		<-f.entered // it holds a slot and is inside the store
	}
	f.mu.Lock()
	f.entered = nil // what follows does not block
	f.mu.Unlock()
	if _, err := s.Classify(ctx, "u", []Item{{Description: "x"}}); !errors.Is(err, ErrBusy) {
		t.Fatalf("third concurrent classify: %v, want ErrBusy", err)
	}
	if _, err := s.Classify(ctx, "v", []Item{{Description: "x"}}); err != nil {
		t.Fatalf("another user: %v", err)
	}
	close(proceed)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Classify(ctx, "u", []Item{{Description: "x"}}); err != nil {
		t.Fatalf("after the others finished: %v", err)
	}
	if n := len(s.limit.users); n != 0 {
		t.Fatalf("%d idle users still hold semaphores", n)
	}
}
