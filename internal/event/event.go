// Package event defines trx's event stream once: the JetStream stream and
// its subjects, the payloads on them, and the embedded NATS server used when
// no cluster is configured. The relay (internal/relay) publishes to it; the
// notifier (internal/notify) consumes it.
package event

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config names the stream and where NATS is.
type Config struct {
	// URL of a NATS cluster ("nats://host:4222,nats://…"); empty runs an
	// embedded server with JetStream under DataDir/nats.
	URL string
	// DataDir holds the embedded server's JetStream files.
	DataDir string
	// Stream is the JetStream stream name (default TRX).
	Stream string
	// Prefix starts every subject (default "trx"); separate installations
	// (or tests) on one cluster use different prefixes and streams.
	Prefix string
	// Retention is how long the stream keeps events (default 24h): a client
	// can resume from any sequence within it.
	Retention time.Duration
	// Replicas of the stream on a cluster (default 1).
	Replicas int
	// Log receives the embedded server's log and the bus's own (default:
	// discarded).
	Log *slog.Logger
	// Headers, if set, gives the headers a published stock change carries
	// (tracing puts the trace context of ctx there).
	Headers func(ctx context.Context) map[string][]string
}

func (c *Config) defaults() {
	if c.Stream == "" {
		c.Stream = "TRX"
	}
	if c.Prefix == "" {
		c.Prefix = "trx"
	}
	if c.Retention <= 0 {
		c.Retention = 24 * time.Hour
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Bus is a connection to NATS with the trx stream ensured.
type Bus struct {
	Config
	NC       *nats.Conn
	JS       jetstream.JetStream
	embedded *embedded // nil: an external cluster
}

// Open connects to NATS (starting the embedded server if cfg.URL is empty)
// and creates or updates the stream.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	cfg.defaults()
	b := &Bus{Config: cfg}
	opts := []nats.Option{nats.Name("trx"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond)}
	url := cfg.URL
	if url == "" {
		e, err := startEmbedded(cfg.DataDir, cfg.Log)
		if err != nil {
			return nil, err
		}
		b.embedded = e
		// The client reaches the embedded server through e, which always
		// hands out the current server: after a restart (Run) the client's
		// reconnect finds the new one.
		opts = append(opts, nats.InProcessServer(e))
		url = e.current().ClientURL()
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("event: connect to NATS %s: %w", cfg.URL, err)
	}
	b.NC = nc
	if b.JS, err = jetstream.New(nc); err != nil {
		b.Close()
		return nil, fmt.Errorf("event: jetstream: %w", err)
	}
	// A cluster that is still forming (no JetStream leader yet) answers
	// late or not at all: retry for a while, as a process started with
	// the cluster would want.
	for deadline := time.Now().Add(streamWait); ; {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = b.ensureStream(sctx)
		cancel()
		if err == nil {
			return b, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			b.Close()
			return nil, err
		}
		cfg.Log.Warn("event_stream_not_ready", "stream", cfg.Stream, "err", err)
		time.Sleep(500 * time.Millisecond)
	}
}

// streamWait bounds how long Open retries creating the stream.
const streamWait = 60 * time.Second

// ensureStream creates or updates the stream.
func (b *Bus) ensureStream(ctx context.Context) error {
	dup := min(10*time.Minute, b.Retention)
	_, err := b.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        b.Stream,
		Description: "trx events: captured stock changes and per-user notifications",
		Subjects:    []string{b.Prefix + ".ev.>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      b.Retention,
		Duplicates:  dup,
		Replicas:    b.Replicas,
	})
	if err != nil {
		return fmt.Errorf("event: create stream %s: %w", b.Stream, err)
	}
	return nil
}

// embedded is the in-process NATS server, which Run restarts when its
// JetStream stops (the server turns JetStream off on a disk-full or I/O
// error and never turns it back on by itself).
type embedded struct {
	dir string
	log *slog.Logger
	mu  sync.Mutex
	ns  *server.Server
}

func startEmbedded(dataDir string, log *slog.Logger) (*embedded, error) {
	if dataDir == "" {
		return nil, errors.New("event: the embedded NATS server needs a data directory")
	}
	e := &embedded{dir: filepath.Join(dataDir, "nats"), log: log.With("component", "embedded_nats")}
	ns, err := e.start()
	if err != nil {
		return nil, err
	}
	e.ns = ns
	return e, nil
}

func (e *embedded) start() (*server.Server, error) {
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		return nil, fmt.Errorf("event: create %s: %w", e.dir, err)
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "trx-embedded",
		JetStream:  true,
		StoreDir:   e.dir,
		DontListen: true, // reached in-process only; use --nats for a cluster
		NoSigs:     true,
	})
	if err != nil {
		return nil, fmt.Errorf("event: embedded NATS: %w", err)
	}
	ns.SetLoggerV2(natsLogger{e.log}, false, false, false)
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("event: embedded NATS did not start within 10s")
	}
	return ns, nil
}

func (e *embedded) current() *server.Server {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ns
}

// InProcessConn connects the client to the current server.
func (e *embedded) InProcessConn() (net.Conn, error) { return e.current().InProcessConn() }

// healthy reports whether the server runs with JetStream.
func (e *embedded) healthy() bool {
	ns := e.current()
	return ns.Running() && ns.JetStreamEnabled()
}

// restart replaces the server by a new one on the same store.
func (e *embedded) restart() error {
	old := e.current()
	old.Shutdown()
	old.WaitForShutdown()
	ns, err := e.start()
	if err != nil {
		return err
	}
	if !ns.JetStreamEnabled() {
		ns.Shutdown()
		return errors.New("event: embedded NATS restarted without JetStream (is its disk still full or failing?)")
	}
	e.mu.Lock()
	e.ns = ns
	e.mu.Unlock()
	return nil
}

func (e *embedded) stop() {
	ns := e.current()
	ns.Shutdown()
	ns.WaitForShutdown()
}

// Run watches the embedded server until ctx ends (it returns at once on
// an external cluster, which its operators run): when the server's
// JetStream has stopped — which it does for good on a disk-full or I/O
// error — Run restarts the server on the same store, retrying with backoff
// until it comes back with JetStream, and ensures the stream. The client
// reconnects by itself.
func (b *Bus) Run(ctx context.Context) error {
	if b.embedded == nil {
		return nil
	}
	const every = time.Second
	wait, failures := every, 0
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		if b.embedded.healthy() {
			wait, failures = every, 0
			continue
		}
		b.Log.Error("embedded_nats_jetstream_down", "action", "restarting", "failures", failures)
		err := b.embedded.restart()
		if err == nil {
			ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err = b.ensureStream(ectx)
			cancel()
		}
		if err != nil {
			failures++
			wait = min(time.Duration(failures)*every, 30*time.Second)
			b.Log.Error("embedded_nats_restart_failed", "err", err, "retry_in", wait)
			continue
		}
		b.Log.Info("embedded_nats_restarted")
		wait, failures = every, 0
	}
}

// Check reports why the stream cannot take publishes now: NATS is
// unreachable, the embedded server's JetStream is down, or the stream does
// not answer or has no leader. It is the event stream's readiness.
func (b *Bus) Check(ctx context.Context) error {
	if b.embedded != nil && !b.embedded.healthy() {
		return errors.New("event: the embedded JetStream is down (restarting)")
	}
	if !b.NC.IsConnected() {
		return errors.New("event: NATS is unreachable (reconnecting)")
	}
	s, err := b.JS.Stream(ctx, b.Stream)
	if err != nil {
		return fmt.Errorf("event: stream %s: %w", b.Stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("event: stream %s: %w", b.Stream, err)
	}
	if info.Cluster != nil && info.Cluster.Leader == "" && b.Replicas > 1 {
		return fmt.Errorf("event: stream %s has no leader", b.Stream)
	}
	return nil
}

// natsLogger writes the embedded server's log to trx's: notices at debug
// (the server is chatty at start), warnings and errors as such.
type natsLogger struct{ l *slog.Logger }

func (n natsLogger) Noticef(format string, v ...any) {
	n.l.Debug("nats", "detail", fmt.Sprintf(format, v...))
}
func (n natsLogger) Warnf(format string, v ...any) {
	n.l.Warn("nats", "detail", fmt.Sprintf(format, v...))
}
func (n natsLogger) Fatalf(format string, v ...any) {
	n.l.Error("nats", "detail", fmt.Sprintf(format, v...))
}
func (n natsLogger) Errorf(format string, v ...any) {
	n.l.Error("nats", "detail", fmt.Sprintf(format, v...))
}
func (n natsLogger) Debugf(format string, v ...any) {
	n.l.Debug("nats", "detail", fmt.Sprintf(format, v...))
}
func (n natsLogger) Tracef(string, ...any) {}

// ServeAlive answers on name's liveness subject while the bus is open (a
// relay serves its node's name), until stop. When it returns, the server
// knows the subscription (a flush: a standby that asks at once must not
// hear "no responders" from a process that just started); if NATS is
// unreachable now, the client subscribes again when it reconnects.
func (b *Bus) ServeAlive(name string) (stop func(), err error) {
	sub, err := b.NC.Subscribe(b.aliveSubject(name), func(m *nats.Msg) { _ = m.Respond([]byte("alive")) })
	if err != nil {
		return nil, fmt.Errorf("event: serve liveness: %w", err)
	}
	_ = b.NC.FlushTimeout(5 * time.Second)
	return func() { _ = sub.Unsubscribe() }, nil
}

// Alive reports whether a process serves name's liveness subject. Only a
// definite "nobody does" (NATS answers no responders at once when the
// process's connection is gone) is false: a timeout or an unreachable NATS
// tells nothing, and is true.
func (b *Bus) Alive(ctx context.Context, name string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := b.NC.RequestWithContext(ctx, b.aliveSubject(name), nil)
	return !errors.Is(err, nats.ErrNoResponders)
}

func (b *Bus) aliveSubject(name string) string { return b.Prefix + ".ctl.alive." + name }

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() {
	if b.NC != nil {
		_ = b.NC.Drain()
		for i := 0; i < 100 && !b.NC.IsClosed(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		b.NC.Close()
	}
	if b.embedded != nil {
		b.embedded.stop()
	}
}

// StockSubject is the subject of a stock's changes.
func (b *Bus) StockSubject(symbol string) string { return b.Prefix + ".ev.stock." + symbol }

// UserSubject is the subject of a user's events of a type.
func (b *Bus) UserSubject(userID, typ string) string {
	return b.Prefix + ".ev.user." + userID + "." + typ
}

// ControlSubject is the subject a notifier node answers management
// requests on ("" node: every node).
func (b *Bus) ControlSubject(node string) string {
	if node == "" {
		return b.Prefix + ".ctl.all"
	}
	return b.Prefix + ".ctl.node." + node
}

// Bounds returns the first and last sequence the stream holds.
func (b *Bus) Bounds(ctx context.Context) (first, last uint64, err error) {
	s, err := b.JS.Stream(ctx, b.Stream)
	if err != nil {
		return 0, 0, fmt.Errorf("event: stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("event: stream info: %w", err)
	}
	return info.State.FirstSeq, info.State.LastSeq, nil
}

// Image is a stock as a change record saw it.
type Image struct {
	Name      string `json:"name"`
	Price     int64  `json:"price_micros"`
	Currency  string `json:"currency"`
	UpdatedAt string `json:"updated_at,omitempty"`
}

// StockChanged is the payload of a captured stock change on the stream.
type StockChanged struct {
	ChangeID  int64     `json:"change_id"`
	Symbol    string    `json:"symbol"`
	Op        string    `json:"op"`
	Old       *Image    `json:"old,omitempty"`
	New       *Image    `json:"new,omitempty"`
	ChangedAt time.Time `json:"changed_at"`
}

// UserEvent is the payload of a per-user notification on the stream.
type UserEvent struct {
	ID     int64           `json:"event_id"` // the outbox row's id
	Type   string          `json:"type"`     // transaction.created, transaction.categorized
	UserID string          `json:"user_id"`
	At     time.Time       `json:"at"`
	Data   json.RawMessage `json:"data"`
}

// PublishUserEvent publishes a per-user event from the outbox, with a
// message id made of its outbox id and time, so that the stream drops a
// repeat (a relay that crashed between publishing and marking it).
func (b *Bus) PublishUserEvent(ctx context.Context, e UserEvent) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("event: encode user event: %w", err)
	}
	id := fmt.Sprintf("user-%d-%d", e.ID, e.At.UnixMicro())
	subject := b.UserSubject(e.UserID, strings.ReplaceAll(e.Type, ".", "_"))
	if _, err := b.JS.Publish(ctx, subject, data, jetstream.WithMsgID(id), jetstream.WithExpectStream(b.Stream)); err != nil {
		return fmt.Errorf("event: publish user event %d: %w", e.ID, err)
	}
	return nil
}

// PublishStock publishes a captured stock change with a message id made of
// the change id and its time, so that the stream drops a repeat (a relay
// that crashed between publishing and marking the change as published)
// within its duplicate window, while a reset database that reuses ids does
// not collide with old messages.
func (b *Bus) PublishStock(ctx context.Context, e StockChanged) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("event: encode stock change: %w", err)
	}
	id := fmt.Sprintf("stock-%d-%d", e.ChangeID, e.ChangedAt.UnixMicro())
	msg := &nats.Msg{Subject: b.StockSubject(e.Symbol), Data: data}
	if b.Headers != nil {
		msg.Header = nats.Header(b.Headers(ctx)) // the trace context, when traced
	}
	if _, err := b.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(b.Stream)); err != nil {
		return fmt.Errorf("event: publish stock change %d: %w", e.ChangeID, err)
	}
	return nil
}
