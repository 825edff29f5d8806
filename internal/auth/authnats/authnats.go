// Package authnats carries auth's invalidations between trx processes on
// NATS: a revoked key (or a changed user) is dropped from every replica's
// principal cache, and its WebSockets are closed on every notifier node,
// as soon as one core NATS message reaches them. It is auth's use of
// event.Invalidations: a control subject outside the JetStream stream
// (like the notifier's management requests), nothing stored, and a
// replica that was disconnected when one was sent drops its whole cache
// when its connection comes back, so what it missed cannot outlive the
// reconnection; the cache's TTL bounds the rest.
package authnats

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/event"
)

// Bridge connects an auth.Service to the other replicas.
type Bridge struct {
	inv *event.Invalidations
	log *slog.Logger
	// Poll is how often Run looks for a reconnection (default 1s).
	Poll time.Duration
}

// subjectName is the invalidations' name under event.InvalidationSubject.
const subjectName = "auth.invalidate"

// Subject is the subject of the invalidations of the installation whose
// subjects start with prefix (event.Bus.Prefix).
func Subject(prefix string) string { return event.InvalidationSubject(prefix, subjectName) }

// New returns the bridge of the installation whose subjects start with
// prefix (event.Bus.Prefix) on nc. It is built before the auth.Service,
// which broadcasts through it (auth.WithBroadcaster(b, b.Failed)); Listen
// then subscribes that service to the other replicas' invalidations, and
// Run must run until shutdown.
//
// A message is an auth.Invalidation in JSON, its sender named in a
// header (event.Invalidations). Earlier releases named it in the body
// instead ("origin"), which this bridge ignores; they applied every
// message whose body did not name them, so the two understand each other
// during a rolling upgrade.
func New(nc *nats.Conn, prefix string, log *slog.Logger) *Bridge {
	return &Bridge{inv: event.NewInvalidations(nc, Subject(prefix), log), log: log, Poll: time.Second}
}

// Listen subscribes svc (the service built with this bridge as its
// broadcaster) to the other replicas' invalidations. Call it once, before
// Run.
func (b *Bridge) Listen(svc *auth.Service) error {
	apply := func(data []byte) {
		var inv auth.Invalidation
		if err := json.Unmarshal(data, &inv); err != nil {
			b.log.Warn("auth_invalidation_bad_message", "err", err)
			return
		}
		svc.Apply(inv)
	}
	if err := b.inv.Listen(apply, func() { svc.Apply(auth.Invalidation{All: true}) }); err != nil {
		return fmt.Errorf("authnats: %w", err)
	}
	return nil
}

// Failed logs a broadcast that failed (the func auth.WithBroadcaster
// takes): the other replicas keep the stale principal for at most their
// cache's TTL.
func (b *Bridge) Failed(err error) {
	b.log.Warn("auth_invalidation_not_broadcast", "err", err, "bound", "the other replicas' cache TTL")
}

// Broadcast sends inv to the other replicas and waits until NATS has it.
func (b *Bridge) Broadcast(ctx context.Context, inv auth.Invalidation) error {
	data, err := json.Marshal(inv)
	if err != nil {
		return fmt.Errorf("authnats: %w", err)
	}
	if err := b.inv.Publish(ctx, data); err != nil {
		return fmt.Errorf("authnats: %w", err)
	}
	return nil
}

// Run drops every cached principal (auth.Invalidation{All: true}) each
// time the NATS connection comes back, since invalidations sent while it
// was away are lost, until ctx ends; then it unsubscribes.
func (b *Bridge) Run(ctx context.Context) error {
	b.inv.Poll = b.Poll
	return b.inv.Run(ctx)
}
