// Package authnats carries auth's invalidations between trx processes on
// NATS: a revoked key (or a changed user) is dropped from every replica's
// principal cache, and its WebSockets are closed on every notifier node,
// as soon as one core NATS message reaches them. The subject is a control
// subject outside the JetStream stream (like the notifier's management
// requests): nothing is stored, and a replica that was disconnected when
// one was sent drops its whole cache when its connection comes back, so
// what it missed cannot outlive the reconnection; the cache's TTL bounds
// the rest.
package authnats

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trx-platform/trx/internal/auth"
)

// Bridge connects an auth.Service to the other replicas.
type Bridge struct {
	nc      *nats.Conn
	subject string
	origin  string        // this process, whose own messages are not applied twice
	svc     *auth.Service // the service Listen subscribed
	log     *slog.Logger
	sub     *nats.Subscription
	// Poll is how often Run looks for a reconnection (default 1s).
	Poll time.Duration
}

type message struct {
	Origin string `json:"origin"`
	auth.Invalidation
}

// Subject is the subject of the invalidations of the installation whose
// subjects start with prefix (event.Bus.Prefix).
func Subject(prefix string) string { return prefix + ".ctl.auth.invalidate" }

// New returns the bridge of the installation whose subjects start with
// prefix (event.Bus.Prefix) on nc. It is built before the auth.Service,
// which broadcasts through it (auth.WithBroadcaster(b, b.Failed)); Listen
// then subscribes that service to the other replicas' invalidations, and
// Run must run until shutdown.
func New(nc *nats.Conn, prefix string, log *slog.Logger) *Bridge {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Bridge{nc: nc, subject: Subject(prefix), origin: hex.EncodeToString(b[:]), log: log, Poll: time.Second}
}

// Listen subscribes svc (the service built with this bridge as its
// broadcaster) to the other replicas' invalidations. Call it once, before
// Run.
func (b *Bridge) Listen(svc *auth.Service) error {
	sub, err := b.nc.Subscribe(b.subject, func(m *nats.Msg) {
		var msg message
		if err := json.Unmarshal(m.Data, &msg); err != nil {
			b.log.Warn("auth_invalidation_bad_message", "err", err)
			return
		}
		if msg.Origin == b.origin {
			return // applied when it was made
		}
		svc.Apply(msg.Invalidation)
	})
	if err != nil {
		return fmt.Errorf("authnats: subscribe: %w", err)
	}
	// The subscription is live on the server before the first broadcast.
	if err := b.nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return fmt.Errorf("authnats: subscribe: %w", err)
	}
	b.svc, b.sub = svc, sub
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
	data, err := json.Marshal(message{Origin: b.origin, Invalidation: inv})
	if err != nil {
		return err
	}
	if err := b.nc.Publish(b.subject, data); err != nil {
		return fmt.Errorf("authnats: publish: %w", err)
	}
	fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := b.nc.FlushWithContext(fctx); err != nil {
		return fmt.Errorf("authnats: flush: %w", err)
	}
	return nil
}

// Run drops every cached principal (auth.Invalidation{All: true}) each
// time the NATS connection comes back, since invalidations sent while it
// was away are lost, until ctx ends; then it unsubscribes.
func (b *Bridge) Run(ctx context.Context) error {
	defer b.sub.Unsubscribe() //nolint:errcheck // closing anyway
	t := time.NewTicker(b.Poll)
	defer t.Stop()
	seen := b.nc.Stats().Reconnects
	away := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !b.nc.IsConnected() {
			away = true
			continue
		}
		if n := b.nc.Stats().Reconnects; n != seen || away {
			seen, away = n, false
			b.log.Info("auth_cache_flushed", "why", "the NATS connection came back; invalidations sent meanwhile were missed")
			b.svc.Apply(auth.Invalidation{All: true})
		}
	}
}
