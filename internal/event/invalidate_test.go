package event_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/trx-platform/trx/internal/event"
)

// TestInvalidations: what one process publishes reaches the others and
// not itself; a process whose connection comes back flushes.
func TestInvalidations(t *testing.T) {
	opts := &server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true}
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(ns.Shutdown)
	url := ns.ClientURL()
	subject := event.InvalidationSubject("trxtest", "thing.changed")

	type replica struct {
		inv     *event.Invalidations
		nc      *nats.Conn
		heard   chan string
		flushed chan struct{}
	}
	start := func() *replica {
		nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(10*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		r := &replica{inv: event.NewInvalidations(nc, subject, slog.New(slog.DiscardHandler)), nc: nc,
			heard: make(chan string, 16), flushed: make(chan struct{}, 16)}
		if err := r.inv.Listen(func(b []byte) { r.heard <- string(b) }, func() { r.flushed <- struct{}{} }); err != nil {
			t.Fatal(err)
		}
		r.inv.Poll = 10 * time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.inv.Run(ctx) }()
		t.Cleanup(func() { cancel(); wg.Wait() })
		return r
	}
	a, b := start(), start()
	if err := a.inv.Publish(context.Background(), []byte("user-1")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-b.heard:
		if got != "user-1" {
			t.Fatalf("b heard %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("b heard nothing within 30 s")
	}
	// a's own message is not given back to it: b publishes next, and the
	// first thing a hears is b's.
	if err := b.inv.Publish(context.Background(), []byte("user-2")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-a.heard:
		if got != "user-2" {
			t.Fatalf("a heard %q first, want b's user-2 (not its own)", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a heard nothing within 30 s")
	}
	// b's connection drops and comes back: b flushes (a does not).
	if err := b.nc.ForceReconnect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.flushed:
	case <-time.After(30 * time.Second):
		t.Fatal("b did not flush within 30 s of its reconnection")
	}
	select {
	case <-a.flushed:
		t.Fatal("a flushed without a reconnection")
	default:
	}
}
