// Package relay is the second step of change capture: it reads the change
// rows that the stores wrote in the same transaction as the change, publishes
// them to the event stream in order, and marks them published. One relay
// publishes at a time (a database lease); the others stand by.
package relay

import (
	"context"
	"log/slog"
	"time"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/stock"
)

// ChangeSource is where the relay reads captured changes.
type ChangeSource interface {
	Pending(ctx context.Context, limit int) ([]stock.Change, error)
	MarkPublished(ctx context.Context, ids []int64, at time.Time) error
	PurgePublished(ctx context.Context, before time.Time) (int64, error)
}

// Publisher puts a change on the event stream.
type Publisher interface {
	PublishStock(ctx context.Context, e event.StockChanged) error
}

// Leaser grants a named lease to one holder at a time.
type Leaser interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Config tunes the relay.
type Config struct {
	Node      string        // this process's name, the lease holder
	Poll      time.Duration // how often to look for changes written by plain SQL (default 25ms)
	Batch     int           // changes per round (default 500)
	Retention time.Duration // how long published changes stay in the table (default 24h)
	Metrics   Observer      // leadership, backlog and publish lag (nil: none)
}

// Observer is told what the relay does, for metrics (metrics.Relay is one).
type Observer interface {
	Leader(on bool)                      // after each lease renewal
	Round(pending int, oldest time.Time) // what a round found pending (oldest zero: none)
	Published(changedAt time.Time)       // a change is on the stream
	Failed()                             // a round failed
}

type noObserver struct{}

func (noObserver) Leader(bool)          {}
func (noObserver) Round(int, time.Time) {}
func (noObserver) Published(time.Time)  {}
func (noObserver) Failed()              {}

// Relay publishes captured changes to the stream in id order and marks
// them published. Only the holder of the "stock-relay" lease publishes;
// other processes stand by and take over when it stops renewing.
type Relay struct {
	cfg  Config
	src  ChangeSource
	pub  Publisher
	db   Leaser
	log  *slog.Logger
	wake chan struct{}
}

const relayLease = "stock-relay"

// New returns a relay; run it with Run.
func New(cfg Config, src ChangeSource, pub Publisher, db Leaser, log *slog.Logger) *Relay {
	if cfg.Poll <= 0 {
		cfg.Poll = 25 * time.Millisecond
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 24 * time.Hour
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noObserver{}
	}
	return &Relay{cfg: cfg, src: src, pub: pub, db: db, log: log, wake: make(chan struct{}, 1)}
}

// Wake makes the relay look for changes now (the stock service calls it
// after each write; writes by plain SQL are found by polling).
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	const ttl = 10 * time.Second
	var (
		leader    bool
		renewAt   time.Time
		purgeAt   time.Time
		failures  int
		lastError time.Time
	)
	defer func() {
		if leader {
			_ = r.db.ReleaseLease(context.WithoutCancel(ctx), relayLease, r.cfg.Node)
			r.cfg.Metrics.Leader(false)
		}
	}()
	for {
		now := time.Now()
		if now.After(renewAt) {
			ok, err := r.db.AcquireLease(ctx, relayLease, r.cfg.Node, ttl)
			if err != nil && ctx.Err() == nil {
				r.log.Warn("relay_lease_failed", "err", err)
			}
			if ok != leader {
				r.log.Info("relay_leadership", "leader", ok, "node", r.cfg.Node)
			}
			leader = ok && err == nil
			r.cfg.Metrics.Leader(leader)
			renewAt = now.Add(ttl / 3)
		}
		wait := r.cfg.Poll
		if !leader {
			wait = ttl / 3
		} else {
			n, err := r.round(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				failures++
				r.cfg.Metrics.Failed()
				if time.Since(lastError) > 5*time.Second {
					r.log.Warn("relay_round_failed", "err", err, "failures", failures)
					lastError = time.Now()
				}
				wait = min(time.Duration(failures)*100*time.Millisecond, 2*time.Second)
			case err == nil:
				failures = 0
				if n == r.cfg.Batch {
					wait = 0 // more are waiting
				}
			}
			if now.After(purgeAt) {
				if _, err := r.src.PurgePublished(ctx, now.Add(-r.cfg.Retention)); err != nil && ctx.Err() == nil {
					r.log.Warn("relay_purge_failed", "err", err)
				}
				purgeAt = now.Add(10 * time.Minute)
			}
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-r.wake:
				t.Stop()
			case <-t.C:
			}
		} else if ctx.Err() != nil {
			return nil
		}
	}
}

// round publishes one batch of pending changes, in id order; it stops at
// the first failure so that order is kept (the rest go next round).
func (r *Relay) round(ctx context.Context) (int, error) {
	pending, err := r.src.Pending(ctx, r.cfg.Batch)
	if err != nil {
		return 0, err
	}
	if len(pending) == 0 {
		r.cfg.Metrics.Round(0, time.Time{})
		return 0, nil
	}
	r.cfg.Metrics.Round(len(pending), pending[0].ChangedAt)
	done := make([]int64, 0, len(pending))
	var pubErr error
	for _, ch := range pending {
		if pubErr = r.pub.PublishStock(ctx, ToEvent(ch)); pubErr != nil {
			break
		}
		done = append(done, ch.ID)
		r.cfg.Metrics.Published(ch.ChangedAt)
	}
	if err := r.src.MarkPublished(ctx, done, time.Now()); err != nil {
		return 0, err
	}
	return len(done), pubErr
}

// ToEvent turns a captured change into its stream payload.
func ToEvent(ch stock.Change) event.StockChanged {
	img := func(s *stock.Image) *event.Image {
		if s == nil {
			return nil
		}
		e := &event.Image{Name: s.Name, Price: s.Price, Currency: s.Currency}
		if !s.UpdatedAt.IsZero() {
			e.UpdatedAt = s.UpdatedAt.UTC().Format(time.RFC3339Nano)
		}
		return e
	}
	return event.StockChanged{ChangeID: ch.ID, Symbol: ch.Symbol, Op: ch.Op, Old: img(ch.Old), New: img(ch.New), ChangedAt: ch.ChangedAt}
}
