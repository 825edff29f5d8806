package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/event/eventtest"
	"github.com/trx-platform/trx/internal/relay"
	"github.com/trx-platform/trx/internal/stock"
)

// fakeSource is a ChangeSource in memory whose MarkPublished can fail, as
// when trx dies between publishing and marking. It closes allMarked once
// every change is marked published.
type fakeSource struct {
	mu        sync.Mutex
	changes   []stock.Change
	published map[int64]bool
	failMarks int
	allMarked chan struct{}
}

func (f *fakeSource) Pending(_ context.Context, limit int) ([]stock.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []stock.Change
	for _, c := range f.changes {
		if !f.published[c.ID] && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeSource) MarkPublished(_ context.Context, ids []int64, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failMarks > 0 {
		f.failMarks--
		return errors.New("crash between publish and mark")
	}
	for _, id := range ids {
		f.published[id] = true
	}
	if len(f.published) == len(f.changes) && f.allMarked != nil {
		close(f.allMarked)
		f.allMarked = nil
	}
	return nil
}

func (f *fakeSource) PurgePublished(context.Context, time.Time) (int64, error) { return 0, nil }

// memLease always grants the lease.
type memLease struct{}

func (memLease) AcquireLease(context.Context, string, string, time.Duration) (bool, error) {
	return true, nil
}
func (memLease) ReleaseLease(context.Context, string, string) error { return nil }

func testRelayRepublishIsDropped(t *testing.T, bus *event.Bus) {
	ctx := context.Background()
	allMarked := make(chan struct{})
	src := &fakeSource{published: map[int64]bool{}, failMarks: 2, allMarked: allMarked}
	at := time.Now().UTC()
	for i := int64(1); i <= 5; i++ {
		src.changes = append(src.changes, stock.Change{ID: i, Symbol: "ACME", Op: stock.OpUpdate,
			Old: &stock.Image{Price: i, Currency: "USD"}, New: &stock.Image{Price: i + 1, Currency: "USD"}, ChangedAt: at})
	}
	relay := relay.New(relay.Config{Node: "t", Poll: time.Millisecond}, src, bus, memLease{}, slog.New(slog.DiscardHandler))
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- relay.Run(rctx) }()
	select {
	case <-allMarked:
	case <-time.After(20 * time.Second): // a bound, not an assertion on speed
		t.Fatal("relay did not publish everything")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	first, last, err := bus.Bounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last-first+1 != 5 || first == 0 {
		t.Fatalf("stream holds sequences %d..%d after two failed marks; want exactly the 5 changes", first, last)
	}
	cons, err := bus.JS.OrderedConsumer(ctx, bus.Stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(10, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for m := range batch.Messages() {
		var e event.StockChanged
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ChangeID)
	}
	if len(ids) != 5 {
		t.Fatalf("fetched %d messages from the stream %v, want the 5 changes", len(ids), ids)
	}
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("stream order %v, want 1..5", ids)
		}
	}
}

// TestRelayRepublishIsDropped: a relay that publishes and then fails to mark
// (a crash between the two) publishes again; the stream keeps one copy.
func TestRelayRepublishIsDropped(t *testing.T) {
	t.Run("embedded", func(t *testing.T) { testRelayRepublishIsDropped(t, eventtest.NewBus(t)) })
	t.Run("external", func(t *testing.T) { testRelayRepublishIsDropped(t, eventtest.NewExternalBus(t)) })
}
