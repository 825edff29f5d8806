// Package relay is the second step of change capture, and the publisher of
// the transactional outbox: it reads the rows that the stores wrote in the
// same database transaction as the change that caused them — the stock
// change rows (stock_changes, written by triggers) and the per-user events
// (user_events, written by the transaction store) — publishes them to the
// event stream in id order, and marks them published. Nothing is published
// from inside a request. One relay publishes at a time (a database lease);
// the others stand by.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/stock"
	"github.com/trx-platform/trx/internal/transaction"
)

// ChangeSource is where the relay reads captured stock changes.
type ChangeSource interface {
	Pending(ctx context.Context, limit int) ([]stock.Change, error)
	MarkPublished(ctx context.Context, ids []int64, at time.Time) error
	PurgePublished(ctx context.Context, before time.Time) (int64, error)
}

// Publisher puts a change on the event stream.
type Publisher interface {
	PublishStock(ctx context.Context, e event.StockChanged) error
}

// EventSource is where the relay reads the per-user events outbox.
type EventSource interface {
	Pending(ctx context.Context, limit int) ([]transaction.Event, error)
	MarkPublished(ctx context.Context, ids []int64, at time.Time) error
	PurgePublished(ctx context.Context, before time.Time) (int64, error)
}

// EventPublisher puts a per-user event on the event stream.
type EventPublisher interface {
	PublishUserEvent(ctx context.Context, e event.UserEvent) error
}

// Leaser grants a named lease to one holder at a time.
type Leaser interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Taker is what a Leaser offers for a takeover: who holds a lease, and
// taking it from a holder known to be dead without waiting for it to
// expire (sqldb.DB is one).
type Taker interface {
	LeaseHolder(ctx context.Context, name string) (string, error)
	TakeLease(ctx context.Context, name, from, to string, ttl time.Duration) (bool, error)
}

// Liveness tells whether a relay process is alive (event.Bus is one: a
// process answers on NATS while it runs, and NATS says at once when
// nobody does).
type Liveness interface {
	ServeAlive(name string) (stop func(), err error)
	Alive(ctx context.Context, name string) bool
}

// Config tunes the relay.
type Config struct {
	Node       string        // this process's name, the lease holder
	Poll       time.Duration // how often to look for changes written by plain SQL (default 25ms)
	Batch      int           // rows per source per round (default 500)
	Retention  time.Duration // how long published rows stay in their tables (default 24h)
	Metrics    Observer      // leadership, backlog and publish lag (nil: none)
	StallAfter time.Duration // the leader is stuck when its oldest pending row has waited this long, or no round succeeded (default 30s)
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

// Option adds to a relay.
type Option func(*Relay)

// WithUserEvents makes the relay publish the per-user events outbox too.
// Both sources go under the one lease: one process publishes everything,
// so a takeover is one decision, and a source cannot stall behind another
// (each round takes a batch of each).
func WithUserEvents(src EventSource, pub EventPublisher) Option {
	return func(r *Relay) {
		r.sources = append(r.sources, &source{name: "user events", round: func(ctx context.Context, limit int) (roundResult, error) {
			return relayRound(ctx, r, limit, src.Pending, src.MarkPublished,
				func(e transaction.Event) (int64, time.Time) { return e.ID, e.At },
				func(ctx context.Context, e transaction.Event) error { return pub.PublishUserEvent(ctx, UserEvent(e)) })
		}, purge: src.PurgePublished})
	}
}

// WithLiveness lets a standby take the lease over at once from a holder
// that live says is dead (it crashed), instead of waiting for the lease to
// expire. The relay answers for itself on live while it runs.
func WithLiveness(live Liveness) Option { return func(r *Relay) { r.live = live } }

// Relay publishes captured rows to the stream in id order and marks them
// published. Only the holder of the relay lease publishes; other processes
// stand by and take over when it stops renewing, or at once when it is
// known to be dead.
type Relay struct {
	cfg     Config
	db      Leaser
	live    Liveness
	sources []*source
	log     *slog.Logger
	wake    chan struct{}

	mu     sync.Mutex // guards leader and lastOK, and the sources' heads
	leader bool
	lastOK time.Time // the end of the last round in which every source succeeded
}

// relayLease is the lease's name. It stays "stock-relay" though the relay
// publishes more than stock changes: during a rolling upgrade, old and new
// processes contend for the same lease, never publish side by side.
const relayLease = "stock-relay"

// markTimeout bounds marking a round's published rows, which does not end
// with the relay's context.
const markTimeout = 5 * time.Second

// publishTimeout bounds one publish, which does not end with the relay's
// context either: a publish in flight at shutdown waits for its ack.
const publishTimeout = 5 * time.Second

// leaseTTL is how long the lease holds without renewal.
const leaseTTL = 10 * time.Second

// New returns a relay of the stock changes of src; run it with Run.
func New(cfg Config, src ChangeSource, pub Publisher, db Leaser, log *slog.Logger, opts ...Option) *Relay {
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
	if cfg.StallAfter <= 0 {
		cfg.StallAfter = 30 * time.Second
	}
	r := &Relay{cfg: cfg, db: db, log: log, wake: make(chan struct{}, 1)}
	r.sources = []*source{{name: "stock changes", round: func(ctx context.Context, limit int) (roundResult, error) {
		return relayRound(ctx, r, limit, src.Pending, src.MarkPublished,
			func(ch stock.Change) (int64, time.Time) { return ch.ID, ch.ChangedAt },
			func(ctx context.Context, ch stock.Change) error { return pub.PublishStock(ctx, ToEvent(ch)) })
	}, purge: src.PurgePublished}}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Wake makes the relay look for changes now (the services call it after
// each write; writes by plain SQL are found by polling).
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	if r.live != nil {
		stop, err := r.live.ServeAlive(r.cfg.Node)
		if err != nil {
			return fmt.Errorf("relay: %w", err)
		}
		defer stop()
	}
	var (
		renewAt   time.Time
		purgeAt   time.Time
		failures  int
		lastError time.Time
	)
	defer func() {
		if r.isLeader() {
			_ = r.db.ReleaseLease(context.WithoutCancel(ctx), relayLease, r.cfg.Node)
			r.setLeader(false)
		}
	}()
	for {
		now := time.Now()
		if now.After(renewAt) {
			ok, err := r.acquire(ctx)
			if err != nil && ctx.Err() == nil {
				r.log.Warn("relay_lease_failed", "err", err)
			}
			if ok != r.isLeader() {
				r.log.Info("relay_leadership", "leader", ok, "node", r.cfg.Node)
			}
			r.setLeader(ok && err == nil)
			renewAt = now.Add(leaseTTL / 3)
		}
		wait := r.cfg.Poll
		if !r.isLeader() {
			wait = leaseTTL / 3
		} else {
			more, err := r.round(ctx)
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
				if more {
					wait = 0 // more are waiting
				}
			}
			if now.After(purgeAt) {
				for _, s := range r.sources {
					if _, err := s.purge(ctx, now.Add(-r.cfg.Retention)); err != nil && ctx.Err() == nil {
						r.log.Warn("relay_purge_failed", "source", s.name, "err", err)
					}
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

// acquire takes or renews the lease; a standby takes it over at once from
// a holder that is known to be dead.
func (r *Relay) acquire(ctx context.Context) (bool, error) {
	ok, err := r.db.AcquireLease(ctx, relayLease, r.cfg.Node, leaseTTL)
	if ok || err != nil || r.live == nil {
		return ok, err
	}
	t, can := r.db.(Taker)
	if !can {
		return false, nil
	}
	holder, err := t.LeaseHolder(ctx, relayLease)
	if err != nil || holder == "" || holder == r.cfg.Node {
		return false, err
	}
	if r.live.Alive(ctx, holder) {
		return false, nil
	}
	ok, err = t.TakeLease(ctx, relayLease, holder, r.cfg.Node, leaseTTL)
	if ok {
		r.log.Info("relay_lease_taken_over", "from", holder, "node", r.cfg.Node)
	}
	return ok, err
}

func (r *Relay) isLeader() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.leader
}

func (r *Relay) setLeader(on bool) {
	r.mu.Lock()
	if on && !r.leader {
		r.lastOK = time.Now() // a new leader has had no chance to fail yet
	}
	r.leader = on
	r.mu.Unlock()
	r.cfg.Metrics.Leader(on)
}

// Check reports why this relay is stuck (nil: it is not, or it stands
// by): as the leader, no round has succeeded for StallAfter, or the
// oldest row of a source has waited that long unpublished. It is the
// relay's part of readiness.
func (r *Relay) Check(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.leader {
		return nil
	}
	now := time.Now()
	if d := now.Sub(r.lastOK); d >= r.cfg.StallAfter {
		return fmt.Errorf("relay: no round has succeeded for %s", d.Round(time.Second))
	}
	for _, s := range r.sources {
		if s.head != 0 && now.Sub(s.headSince) >= r.cfg.StallAfter {
			return fmt.Errorf("relay: the oldest pending row of %s (id %d) has waited %s", s.name, s.head, now.Sub(s.headSince).Round(time.Second))
		}
	}
	return nil
}

// source is one outbox table the relay publishes, with where its backlog
// stands: head is its oldest pending row when last seen (0: none), and
// headSince when that row was first seen at the head.
type source struct {
	name      string
	round     func(ctx context.Context, limit int) (roundResult, error)
	purge     func(ctx context.Context, before time.Time) (int64, error)
	head      int64
	headSince time.Time
}

// roundResult is what one round of a source did.
type roundResult struct {
	found     int       // rows pending at the start
	first     int64     // id of the oldest (0: none)
	oldest    time.Time // its commit time
	published int
}

// round publishes one batch of each source and reports whether any had
// more waiting. Every source gets its turn even when another fails.
func (r *Relay) round(ctx context.Context) (more bool, err error) {
	found, oldest := 0, time.Time{}
	var errs []error
	results := make([]roundResult, len(r.sources))
	failed := make([]bool, len(r.sources))
	for i, s := range r.sources {
		res, err := s.round(ctx, r.cfg.Batch)
		results[i] = res
		if err != nil {
			failed[i] = true
			errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
		}
		found += res.found
		if !res.oldest.IsZero() && (oldest.IsZero() || res.oldest.Before(oldest)) {
			oldest = res.oldest
		}
		if res.found == r.cfg.Batch && res.published == res.found {
			more = true
		}
	}
	r.cfg.Metrics.Round(found, oldest)
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, s := range r.sources {
		res := results[i]
		switch {
		case res.found == 0 && !failed[i]:
			s.head = 0 // nothing waits
		case res.found == 0: // the read failed: the head is where it was
		case !failed[i] && res.published == res.found && res.found < r.cfg.Batch:
			s.head = 0 // all published: nothing waits
		case res.first != s.head:
			s.head, s.headSince = res.first, now
		}
	}
	if len(errs) == 0 {
		r.lastOK = now
	}
	return more, errors.Join(errs...)
}

// relayRound publishes one batch of pending rows in id order; it stops at
// the first failure so that order is kept (the rest go next round).
func relayRound[T any](ctx context.Context, r *Relay, limit int,
	pending func(context.Context, int) ([]T, error),
	mark func(context.Context, []int64, time.Time) error,
	key func(T) (int64, time.Time),
	publish func(context.Context, T) error,
) (roundResult, error) {
	rows, err := pending(ctx, limit)
	if err != nil {
		return roundResult{}, err
	}
	res := roundResult{found: len(rows)}
	if len(rows) == 0 {
		return res, nil
	}
	res.first, res.oldest = key(rows[0])
	done := make([]int64, 0, len(rows))
	var pubErr error
	for _, row := range rows {
		// A stop ends the round between publishes, never inside one: the
		// stream may have stored a message whose ack is still on its way,
		// and a publish given up then would leave it unmarked, published
		// again by the next holder or a restored backup.
		if pubErr = ctx.Err(); pubErr != nil {
			break
		}
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
		pubErr = publish(pctx, row)
		cancel()
		if pubErr != nil {
			break
		}
		id, at := key(row)
		done = append(done, id)
		r.cfg.Metrics.Published(at)
	}
	// What is on the stream is marked even when ctx ended meanwhile (a
	// shutdown right after a publish): otherwise a clean stop leaves it
	// pending, and the next holder (or a restored backup) publishes it
	// again. The mark is bounded on its own.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	if err := mark(mctx, done, time.Now()); err != nil {
		return res, err
	}
	res.published = len(done)
	return res, pubErr
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

// UserEvent turns an outbox row into its stream payload.
func UserEvent(e transaction.Event) event.UserEvent {
	return event.UserEvent{ID: e.ID, Type: e.Type, UserID: e.UserID, At: e.At, Data: e.Data}
}
