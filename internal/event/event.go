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
	"os"
	"path/filepath"
	"strings"
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
}

// Bus is a connection to NATS with the trx stream ensured.
type Bus struct {
	Config
	NC       *nats.Conn
	JS       jetstream.JetStream
	embedded *server.Server

	// Headers, if set, gives the headers a published stock change carries
	// (tracing puts the trace context of ctx there).
	Headers func(ctx context.Context) map[string][]string
}

// Open connects to NATS (starting the embedded server if cfg.URL is empty)
// and creates or updates the stream.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	cfg.defaults()
	b := &Bus{Config: cfg}
	opts := []nats.Option{nats.Name("trx"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond)}
	url := cfg.URL
	if url == "" {
		ns, err := startEmbedded(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		b.embedded = ns
		opts = append(opts, nats.InProcessServer(ns))
		url = ns.ClientURL()
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
	dup := 10 * time.Minute
	if dup > cfg.Retention {
		dup = cfg.Retention
	}
	_, err = b.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "trx events: captured stock changes and per-user notifications",
		Subjects:    []string{cfg.Prefix + ".ev.>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      cfg.Retention,
		Duplicates:  dup,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("event: create stream %s: %w", cfg.Stream, err)
	}
	return b, nil
}

func startEmbedded(dataDir string) (*server.Server, error) {
	if dataDir == "" {
		return nil, errors.New("event: the embedded NATS server needs a data directory")
	}
	dir := filepath.Join(dataDir, "nats")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("event: create %s: %w", dir, err)
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "trx-embedded",
		JetStream:  true,
		StoreDir:   dir,
		DontListen: true, // reached in-process only; use --nats for a cluster
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("event: embedded NATS: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("event: embedded NATS did not start within 10s")
	}
	return ns, nil
}

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
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
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
	Type   string          `json:"type"` // transaction.created, transaction.categorized
	UserID string          `json:"user_id"`
	At     time.Time       `json:"at"`
	Data   json.RawMessage `json:"data"`
}

// PublishUser publishes per-user events (at most once: they are not
// captured in the database first), waiting for the stream to store them.
func (b *Bus) PublishUser(ctx context.Context, es ...UserEvent) error {
	futures := make([]jetstream.PubAckFuture, 0, len(es))
	for _, e := range es {
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("event: encode user event: %w", err)
		}
		f, err := b.JS.PublishAsync(b.UserSubject(e.UserID, strings.ReplaceAll(e.Type, ".", "_")), data)
		if err != nil {
			return fmt.Errorf("event: publish user event: %w", err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("event: publish user event: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("event: publish user event: %w", ctx.Err())
		}
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
