package classifier

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/transaction"
)

// settingsStore keeps settings per user and counts their reads; State
// reports them too (the rest of a Store panics: nil embedded interface).
type settingsStore struct {
	Store
	mu       sync.Mutex
	settings map[string]Settings
	reads    int // Settings calls
	states   int // State calls
}

func (f *settingsStore) Settings(_ context.Context, userID string) (Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if set, ok := f.settings[userID]; ok {
		return set, nil
	}
	return DefaultSettings(userID), nil
}

func (f *settingsStore) SaveSettings(_ context.Context, set Settings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settings[set.UserID] = set
	return nil
}

func (f *settingsStore) State(_ context.Context, userID string) (State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states++
	st := State{Settings: DefaultSettings(userID)}
	if set, ok := f.settings[userID]; ok {
		st.Settings = set
	}
	return st, nil
}

func (f *settingsStore) ListRules(context.Context, string) ([]Rule, error)          { return nil, nil }
func (f *settingsStore) Examples(context.Context, string) ([]Learned, error)        { return nil, nil }
func (f *settingsStore) ListCategories(context.Context, string) ([]Category, error) { return nil, nil }

func (f *settingsStore) counts() (reads, states int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads, f.states
}

// relay is a SettingsBroadcaster that hands each change to the other
// replicas' services at once, as NATS would.
type relay struct{ to []*Service }

func (r *relay) BroadcastSettings(_ context.Context, userID string) error {
	for _, s := range r.to {
		s.DropSettings(userID)
	}
	return nil
}

func newSettingsService(t *testing.T, st Store, bc SettingsBroadcaster, now *time.Time) *Service {
	t.Helper()
	cfg := DefaultConfig(nil)
	cfg.Broadcast = bc
	s, err := New(context.Background(), cfg, st, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return *now }
	return s
}

var coffee = []transaction.Transaction{{Description: "Coffee", Amount: -350, Currency: "EUR"}}

// TestSettingsCachedPerUser: with auto-categorization off, creates read the
// settings once per TTL, not once each; a change here or on another
// replica (through the broadcaster) applies to the next create; without
// the broadcast, the TTL bounds how long a replica keeps the old ones.
func TestSettingsCachedPerUser(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	st := &settingsStore{settings: map[string]Settings{}}
	r := &relay{}
	a := newSettingsService(t, st, r, &now)
	b := newSettingsService(t, st, r, &now)
	lone := newSettingsService(t, st, nil, &now) // a replica the broadcasts miss
	r.to = []*Service{a, b}

	for range 5 {
		if got := a.AutoCategorize(ctx, "u", coffee); got != nil {
			t.Fatalf("auto off: %+v", got)
		}
	}
	if reads, states := st.counts(); reads != 1 || states != 0 {
		t.Fatalf("5 creates read the settings %d times and the state %d times; want 1 and 0", reads, states)
	}
	if lone.AutoCategorize(ctx, "u", coffee) != nil {
		t.Fatal("lone: auto off")
	}
	// Another user has settings of their own.
	a.AutoCategorize(ctx, "v", coffee)
	if reads, _ := st.counts(); reads != 3 {
		t.Fatalf("reads %d, want 3 (u on a, u on lone, v on a)", reads)
	}

	// Turned on at b: a hears of it at once and reads the state to decide.
	on := true
	if _, err := b.UpdateSettings(ctx, "u", &on, nil); err != nil {
		t.Fatal(err)
	}
	a.AutoCategorize(ctx, "u", coffee)
	if reads, states := st.counts(); reads != 5 || states != 1 {
		t.Fatalf("after the change: reads %d (want 5: b's update, a's reread), states %d (want 1)", reads, states)
	}
	// lone missed it: it keeps "off" until its TTL is up, then rereads.
	lone.AutoCategorize(ctx, "u", coffee)
	if _, states := st.counts(); states != 1 {
		t.Fatalf("lone decided before its TTL was up (states %d)", states)
	}
	now = now.Add(DefaultSettingsTTL)
	lone.AutoCategorize(ctx, "u", coffee)
	if reads, states := st.counts(); reads != 6 || states != 2 {
		t.Fatalf("lone after the TTL: reads %d states %d; want 6 and 2", reads, states)
	}
	// A drop of everything (a reconnection) rereads.
	a.DropSettings("")
	a.AutoCategorize(ctx, "v", coffee)
	if reads, _ := st.counts(); reads != 7 {
		t.Fatalf("after DropSettings(\"\"): reads %d, want 7", reads)
	}
}

// TestSettingsReadOvertaken: settings read before a change that lands
// while the read runs are not kept (the generation guard).
func TestSettingsReadOvertaken(t *testing.T) {
	c := newSettingsCache(time.Minute, 10)
	now := time.Now()
	_, gen, ok := c.get("u", now)
	if ok {
		t.Fatal("empty cache hit")
	}
	c.drop("u") // the change, while the read was in flight
	c.put(gen, Settings{UserID: "u", AutoOnCreate: false}, now)
	if _, _, ok := c.get("u", now); ok {
		t.Fatal("a read overtaken by a change was cached")
	}
	_, gen, _ = c.get("u", now)
	c.put(gen, Settings{UserID: "u", AutoOnCreate: true}, now)
	if set, _, ok := c.get("u", now); !ok || !set.AutoOnCreate {
		t.Fatalf("got %+v %v", set, ok)
	}
	// Bounded: past max, room is made.
	for i := range 25 {
		_, gen, _ := c.get("x", now)
		c.put(gen, Settings{UserID: string(rune('a' + i))}, now)
	}
	c.mu.Lock()
	n := len(c.m)
	c.mu.Unlock()
	if n > 10 {
		t.Fatalf("%d entries, max 10", n)
	}
}
