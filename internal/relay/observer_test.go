package relay_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/relay"
	"github.com/trx-platform/trx/internal/stock"
)

// recorder is a relay.Observer that keeps what it was told.
type recorder struct {
	mu        sync.Mutex
	leader    bool
	rounds    []int
	oldest    []time.Time
	published []time.Time
	all       chan struct{}
	want      int
}

func (r *recorder) Leader(on bool) { r.mu.Lock(); r.leader = on; r.mu.Unlock() }
func (r *recorder) Round(n int, oldest time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rounds, r.oldest = append(r.rounds, n), append(r.oldest, oldest)
}
func (r *recorder) Published(at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.published = append(r.published, at)
	if len(r.published) == r.want {
		close(r.all)
	}
}
func (r *recorder) Failed() {}

// stubPublisher accepts every change.
type stubPublisher struct{}

func (stubPublisher) PublishStock(context.Context, event.StockChanged) error { return nil }

func TestRelayObserver(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	src := &fakeSource{published: map[int64]bool{}}
	for i := int64(1); i <= 3; i++ {
		src.changes = append(src.changes, stock.Change{ID: i, Symbol: "ACME", Op: stock.OpInsert,
			New: &stock.Image{Price: i, Currency: "USD"}, ChangedAt: at.Add(time.Duration(i) * time.Second)})
	}
	rec := &recorder{all: make(chan struct{}), want: 3}
	r := relay.New(relay.Config{Node: "t", Poll: time.Millisecond, Metrics: rec}, src, stubPublisher{}, memLease{}, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	select {
	case <-rec.all:
	case <-time.After(20 * time.Second): // a bound, not an assertion on speed
		t.Fatal("the observer was not told of 3 published changes")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.leader {
		t.Error("the relay stopped, but the observer still sees it lead")
	}
	if len(rec.rounds) == 0 || rec.rounds[0] != 3 || !rec.oldest[0].Equal(at.Add(time.Second)) {
		t.Fatalf("first round reported %v pending, oldest %v; want 3, %v", rec.rounds, rec.oldest, at.Add(time.Second))
	}
	for i, p := range rec.published {
		if want := at.Add(time.Duration(i+1) * time.Second); !p.Equal(want) {
			t.Errorf("published[%d] committed at %v, want %v", i, p, want)
		}
	}
}
