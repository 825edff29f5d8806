package event

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Invalidations carries one kind of cache invalidation between trx
// processes on a core NATS subject outside the stream: a process that
// changed something tells the others to drop what they cached of it, as
// soon as one NATS message reaches them. Nothing is stored: a process
// whose connection was away drops its whole cache when the connection
// comes back (Run), so what it missed cannot outlive the reconnection,
// and the cache's own TTL bounds the rest (the time NATS was down).
//
// Every process publishes on the subject and listens to it; its own
// messages are not given back to it (they carry its origin in a header).
type Invalidations struct {
	nc      *nats.Conn
	subject string
	origin  string
	log     *slog.Logger
	// Poll is how often Run looks for a reconnection (default 1s).
	Poll time.Duration

	mu    sync.Mutex
	sub   *nats.Subscription
	flush func()
}

// originHeader names the process that published an invalidation.
const originHeader = "Trx-Origin"

// InvalidationSubject is the subject of the invalidations called name
// ("classifier.settings") of the installation whose subjects start with
// prefix.
func InvalidationSubject(prefix, name string) string { return prefix + ".ctl." + name }

// NewInvalidations returns the invalidations on subject over nc; it
// publishes at once and hears others' once Listen is called.
func NewInvalidations(nc *nats.Conn, subject string, log *slog.Logger) *Invalidations {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Invalidations{nc: nc, subject: subject, origin: hex.EncodeToString(b[:]), log: log, Poll: time.Second}
}

// Listen calls apply with each invalidation another process publishes
// (apply must not block for long: it runs on the connection's delivery),
// and flush each time the connection comes back after an absence (Run).
func (i *Invalidations) Listen(apply func(data []byte), flush func()) error {
	sub, err := i.nc.Subscribe(i.subject, func(m *nats.Msg) {
		if m.Header.Get(originHeader) == i.origin {
			return // applied when it was made
		}
		apply(m.Data)
	})
	if err != nil {
		return fmt.Errorf("event: subscribe to %s: %w", i.subject, err)
	}
	// The subscription is live on the server before the first publish.
	if err := i.nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return fmt.Errorf("event: subscribe to %s: %w", i.subject, err)
	}
	i.mu.Lock()
	i.sub, i.flush = sub, flush
	i.mu.Unlock()
	return nil
}

// Publish sends an invalidation to the other processes and waits until
// NATS has it (at most 2 s, or ctx).
func (i *Invalidations) Publish(ctx context.Context, data []byte) error {
	m := nats.NewMsg(i.subject)
	m.Header.Set(originHeader, i.origin)
	m.Data = data
	if err := i.nc.PublishMsg(m); err != nil {
		return fmt.Errorf("event: publish to %s: %w", i.subject, err)
	}
	fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := i.nc.FlushWithContext(fctx); err != nil {
		return fmt.Errorf("event: flush %s: %w", i.subject, err)
	}
	return nil
}

// Run calls the flush given to Listen each time the NATS connection comes
// back (invalidations sent while it was away are lost), until ctx ends;
// then it unsubscribes.
func (i *Invalidations) Run(ctx context.Context) error {
	defer func() {
		i.mu.Lock()
		defer i.mu.Unlock()
		if i.sub != nil {
			_ = i.sub.Unsubscribe()
		}
	}()
	t := time.NewTicker(i.Poll)
	defer t.Stop()
	seen := i.nc.Stats().Reconnects
	away := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !i.nc.IsConnected() {
			away = true
			continue
		}
		if n := i.nc.Stats().Reconnects; n != seen || away {
			seen, away = n, false
			i.mu.Lock()
			flush := i.flush
			i.mu.Unlock()
			if flush != nil {
				i.log.Info("cache_flushed", "subject", i.subject, "why", "the NATS connection came back; invalidations sent meanwhile were missed")
				flush()
			}
		}
	}
}
