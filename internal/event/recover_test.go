package event_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/event"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestEmbeddedRecoversFromJetStreamShutdown: the embedded server turns
// JetStream off for good on a disk-full or I/O error (what
// ShutdownJetStream does here); the bus reports it in Check, Run restarts
// the server on the same store, the client reconnects, the stream keeps
// what it held and takes publishes again. The server's log reaches trx's.
func TestEmbeddedRecoversFromJetStreamShutdown(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	b, err := event.Open(ctx, event.Config{DataDir: t.TempDir(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	publish := func(id int64) error {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return b.PublishStock(pctx, event.StockChanged{ChangeID: id, Symbol: "ACME", Op: "insert", ChangedAt: time.Now().UTC()})
	}
	if err := publish(1); err != nil {
		t.Fatal(err)
	}
	if err := b.Check(ctx); err != nil {
		t.Fatalf("check of a healthy bus: %v", err)
	}
	if !strings.Contains(logs.String(), "nats") {
		t.Fatalf("the embedded server's log did not reach trx's log:\n%s", logs.String())
	}

	if err := b.EmbeddedServer().ShutdownJetStream(); err != nil {
		t.Fatal(err)
	}
	if err := b.Check(ctx); err == nil {
		t.Fatal("check passed with JetStream down")
	}
	if err := publish(2); err == nil {
		t.Fatal("a publish succeeded with JetStream down")
	}

	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(rctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	for deadline := time.Now().Add(60 * time.Second); ; { // a bound, not an assertion on speed
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		err := b.Check(cctx)
		ccancel()
		// Recovered, and the restart logged: the line comes once the new
		// server is up, so a check can pass a moment before it.
		if err == nil && strings.Contains(logs.String(), "embedded_nats_restarted") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bus did not recover within 60 s: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := publish(3); err != nil {
		t.Fatalf("publish after the restart: %v", err)
	}
	first, last, err := b.Bounds(ctx)
	if err != nil || first != 1 || last != 2 {
		t.Fatalf("stream holds %d..%d (%v), want 1..2: the first change kept, the third added", first, last, err)
	}
	if !strings.Contains(logs.String(), "embedded_nats_restarted") {
		t.Fatalf("no restart in the log:\n%s", logs.String())
	}
}
