package event_test

import (
	"context"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/event/eventtest"
)

// TestAlive: a process that serves its liveness is alive to another
// process as soon as ServeAlive returns (the relay takeover asks right
// after a start), and dead once it stops serving or its connection is
// gone (a crash).
func TestAlive(t *testing.T) {
	ctx := context.Background()
	asker := eventtest.NewExternalBus(t)
	open := func() *event.Bus {
		b, err := event.Open(ctx, asker.Config)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		return b
	}

	stopped := open()
	stop, err := stopped.ServeAlive("stopped")
	if err != nil {
		t.Fatal(err)
	}
	if !asker.Alive(ctx, "stopped") {
		t.Fatal("a process is dead right after ServeAlive returned")
	}
	stop()
	waitDead(t, asker, "stopped")

	crashed := open()
	if _, err := crashed.ServeAlive("crashed"); err != nil {
		t.Fatal(err)
	}
	if !asker.Alive(ctx, "crashed") {
		t.Fatal("a process is dead right after ServeAlive returned")
	}
	crashed.NC.Close()
	waitDead(t, asker, "crashed")

	if asker.Alive(ctx, "never-started") {
		t.Fatal("a name nobody serves is alive")
	}
}

// waitDead waits until name is reported dead (NATS drops the subscription
// of a closed connection when it notices: a bounded wait, not a speed
// check).
func waitDead(t *testing.T, b *event.Bus, name string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); b.Alive(context.Background(), name); {
		if time.Now().After(deadline) {
			t.Fatalf("%s is still alive 30 s after it stopped serving", name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
