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
	"github.com/trx-platform/trx/internal/transaction"
)

// fakeEvents is an EventSource in memory; marked is closed once every
// event is marked published.
type fakeEvents struct {
	mu        sync.Mutex
	events    []transaction.Event
	published map[int64]bool
	marked    chan struct{}
	reads     chan struct{} // one value per Pending call, if not nil
}

func (f *fakeEvents) Pending(_ context.Context, limit int) ([]transaction.Event, error) {
	if f.reads != nil {
		select {
		case f.reads <- struct{}{}:
		default:
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []transaction.Event
	for _, e := range f.events {
		if !f.published[e.ID] && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeEvents) MarkPublished(_ context.Context, ids []int64, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		f.published[id] = true
	}
	if len(f.published) == len(f.events) && f.marked != nil {
		close(f.marked)
		f.marked = nil
	}
	return nil
}

func (f *fakeEvents) PurgePublished(context.Context, time.Time) (int64, error) { return 0, nil }

func noChanges() *fakeSource { return &fakeSource{published: map[int64]bool{}} }

func runRelay(t *testing.T, r *relay.Relay) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestRelayPublishesUserEvents: the relay publishes the per-user events
// outbox too, in id order, on each user's subject, and marks them.
func TestRelayPublishesUserEvents(t *testing.T) {
	bus := eventtest.NewBus(t)
	at := time.Now().UTC()
	src := &fakeEvents{published: map[int64]bool{}, marked: make(chan struct{})}
	for i := int64(1); i <= 3; i++ {
		src.events = append(src.events, transaction.Event{ID: i, Type: transaction.EventCreated, UserID: "u1", At: at,
			Data: json.RawMessage(`{"id":"t` + string(rune('0'+i)) + `"}`)})
	}
	marked := src.marked
	r := relay.New(relay.Config{Node: "t", Poll: time.Millisecond}, noChanges(), bus, memLease{}, slog.New(slog.DiscardHandler),
		relay.WithUserEvents(src, bus))
	runRelay(t, r)
	select {
	case <-marked:
	case <-time.After(20 * time.Second): // a bound, not an assertion on speed
		t.Fatal("the relay did not publish the user events")
	}
	cons, err := bus.JS.OrderedConsumer(context.Background(), bus.Stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(10, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for m := range batch.Messages() {
		if m.Subject() != "trx.ev.user.u1.transaction_created" {
			t.Fatalf("subject %q", m.Subject())
		}
		var e event.UserEvent
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	if len(ids) != 3 || ids[0] != 1 || ids[1] != 2 || ids[2] != 3 {
		t.Fatalf("stream holds events %v, want 1, 2, 3", ids)
	}
}

// takeLease is a Leaser and Taker in memory whose lease never expires by
// itself: only a takeover moves it.
type takeLease struct {
	mu       sync.Mutex
	holder   string
	acquires chan struct{} // one value per AcquireLease call
}

func (l *takeLease) AcquireLease(_ context.Context, _, holder string, _ time.Duration) (bool, error) {
	defer func() {
		select {
		case l.acquires <- struct{}{}:
		default:
		}
	}()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == "" || l.holder == holder {
		l.holder = holder
		return true, nil
	}
	return false, nil
}

func (l *takeLease) ReleaseLease(_ context.Context, _, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == holder {
		l.holder = ""
	}
	return nil
}

func (l *takeLease) LeaseHolder(context.Context, string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder, nil
}

func (l *takeLease) TakeLease(_ context.Context, _, from, to string, _ time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder != from {
		return false, nil
	}
	l.holder = to
	return true, nil
}

// liveness says who is alive.
type liveness map[string]bool

func (liveness) ServeAlive(string) (func(), error)           { return func() {}, nil }
func (l liveness) Alive(_ context.Context, name string) bool { return l[name] }

// leaderWatch is an Observer that reports leadership.
type leaderWatch struct{ on chan struct{} }

func (w *leaderWatch) Leader(on bool) {
	if on {
		select {
		case w.on <- struct{}{}:
		default:
		}
	}
}
func (*leaderWatch) Round(int, time.Time) {}
func (*leaderWatch) Published(time.Time)  {}
func (*leaderWatch) Failed()              {}

// TestRelayTakesOverFromDeadHolder: a standby takes the lease at once
// from a holder known to be dead (it crashed: NATS says nobody answers for
// it), instead of waiting for the lease to expire; from a live holder it
// does not.
func TestRelayTakesOverFromDeadHolder(t *testing.T) {
	t.Run("dead", func(t *testing.T) {
		lease := &takeLease{holder: "crashed", acquires: make(chan struct{}, 1)}
		w := &leaderWatch{on: make(chan struct{}, 1)}
		r := relay.New(relay.Config{Node: "standby", Metrics: w}, noChanges(), stubPublisher{}, lease, slog.New(slog.DiscardHandler),
			relay.WithLiveness(liveness{"crashed": false}))
		runRelay(t, r)
		select {
		case <-w.on:
		case <-time.After(20 * time.Second): // a bound: the lease itself never expires here
			t.Fatal("the standby did not take over from the dead holder")
		}
	})
	t.Run("alive", func(t *testing.T) {
		lease := &takeLease{holder: "busy", acquires: make(chan struct{})}
		w := &leaderWatch{on: make(chan struct{}, 1)}
		r := relay.New(relay.Config{Node: "standby", Metrics: w}, noChanges(), stubPublisher{}, lease, slog.New(slog.DiscardHandler),
			relay.WithLiveness(liveness{"busy": true}))
		stop := runRelay(t, r)
		<-lease.acquires // the first attempt, and the takeover decision after it
		<-lease.acquires // a second one: the first attempt's decision was made
		stop()
		select {
		case <-w.on:
			t.Fatal("the standby took the lease from a live holder")
		default:
		}
		if h, _ := lease.LeaseHolder(context.Background(), ""); h != "busy" {
			t.Fatalf("holder %q, want busy", h)
		}
	})
}

// failingPublisher fails every user event.
type failingPublisher struct{}

func (failingPublisher) PublishUserEvent(context.Context, event.UserEvent) error {
	return errors.New("the stream refuses")
}

// TestRelayCheckReportsStuck: a leader whose oldest row cannot be
// published reports itself stuck; one that keeps up does not.
func TestRelayCheckReportsStuck(t *testing.T) {
	reads := make(chan struct{})
	src := &fakeEvents{published: map[int64]bool{}, reads: reads,
		events: []transaction.Event{{ID: 1, Type: transaction.EventCreated, UserID: "u1", At: time.Now(), Data: []byte(`{}`)}}}
	r := relay.New(relay.Config{Node: "t", Poll: time.Millisecond, StallAfter: time.Nanosecond}, noChanges(), stubPublisher{}, memLease{},
		slog.New(slog.DiscardHandler), relay.WithUserEvents(src, failingPublisher{}))
	runRelay(t, r)
	<-reads
	<-reads // the first round is over
	if err := r.Check(context.Background()); err == nil {
		t.Fatal("a leader that cannot publish its oldest row reports itself healthy")
	}

	ok := relay.New(relay.Config{Node: "t", Poll: time.Millisecond, StallAfter: time.Hour}, noChanges(), stubPublisher{}, memLease{},
		slog.New(slog.DiscardHandler))
	runRelay(t, ok)
	if err := ok.Check(context.Background()); err != nil {
		t.Fatalf("a relay that keeps up: %v", err)
	}
}
