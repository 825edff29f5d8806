package relay_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/event/eventtest"
	"github.com/trx-platform/trx/internal/relay"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// countedLease is the database's lease (sqldb.DB: a Leaser and a Taker)
// that reports each AcquireLease call to a test waiting for one.
type countedLease struct {
	*sqldb.DB
	acquires chan struct{}
}

func (l countedLease) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	ok, err := l.DB.AcquireLease(ctx, name, holder, ttl)
	select {
	case l.acquires <- struct{}{}:
	default:
	}
	return ok, err
}

// TestRelayTakeoverOnDatabaseAndNATS is TestRelayTakesOverFromDeadHolder
// on the real parts, on both engines: the lease in the database (held for
// an hour, so only a takeover moves it) and liveness on NATS. A holder
// whose process is gone (its NATS connection closed, as in a crash) loses
// the lease to a standby at once; a holder that still answers keeps it.
func TestRelayTakeoverOnDatabaseAndNATS(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			bus := eventtest.NewExternalBus(t)

			// Another process's relay: alive on its own NATS connection,
			// holding the lease for an hour.
			other, err := event.Open(ctx, bus.Config)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, err := other.ServeAlive("holder"); err != nil {
				t.Fatal(err)
			}
			if !bus.Alive(ctx, "holder") {
				t.Fatal("a holder that serves its liveness is reported dead")
			}
			if ok, err := db.AcquireLease(ctx, "stock-relay", "holder", time.Hour); !ok || err != nil {
				t.Fatalf("the holder's lease: %v %v", ok, err)
			}

			// While the holder answers, the standby stands by.
			lease := countedLease{DB: db, acquires: make(chan struct{})}
			w := &leaderWatch{on: make(chan struct{}, 1)}
			r := relay.New(relay.Config{Node: "standby", Metrics: w}, noChanges(), stubPublisher{}, lease, slog.New(slog.DiscardHandler),
				relay.WithLiveness(bus))
			stop := runRelay(t, r)
			<-lease.acquires // the first attempt
			<-lease.acquires // a second: the first one's takeover decision was made
			stop()
			select {
			case <-w.on:
				t.Fatal("the standby took the lease from a holder that is alive")
			default:
			}
			if h, err := db.LeaseHolder(ctx, "stock-relay"); h != "holder" || err != nil {
				t.Fatalf("holder %q (%v), want holder", h, err)
			}

			// The holder's process dies: its connection is gone, its lease
			// stays in the database. A standby takes it without waiting
			// for the hour.
			other.NC.Close()
			for deadline := time.Now().Add(30 * time.Second); bus.Alive(ctx, "holder"); { // NATS drops its subscription
				if time.Now().After(deadline) {
					t.Fatal("a holder whose connection is gone is still reported alive after 30 s")
				}
				time.Sleep(10 * time.Millisecond)
			}
			lease = countedLease{DB: db, acquires: make(chan struct{})}
			r = relay.New(relay.Config{Node: "standby", Metrics: w}, noChanges(), stubPublisher{}, lease, slog.New(slog.DiscardHandler),
				relay.WithLiveness(bus))
			runRelay(t, r)
			select {
			case <-w.on:
			case <-time.After(30 * time.Second): // a bound: the lease itself holds for an hour
				t.Fatal("the standby did not take the lease from the dead holder")
			}
			if h, err := db.LeaseHolder(ctx, "stock-relay"); h != "standby" || err != nil {
				t.Fatalf("holder %q (%v), want standby", h, err)
			}
		})
	}
}
