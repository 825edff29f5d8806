package notify

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func testClient(queue int) (*Node, *client) {
	n := &Node{cfg: Config{QueueSize: queue}, hub: NewHub()}
	n.cfg.defaults()
	n.metrics = newMetrics(prometheus.NewRegistry(), n.hub)
	return n, newClient(n, "c1", "u1", nil)
}

func msg(seq uint64, symbol string) Message {
	return Message{Seq: seq, Symbol: symbol, Data: []byte(symbol)}
}

func drain(c *client) []string {
	var out []string
	for _, f := range c.queue {
		out = append(out, string(f.data))
	}
	c.queue = nil
	return out
}

// TestSlowClientIsClosed: a full queue closes the client with 4001 instead
// of blocking the broadcaster.
func TestSlowClientIsClosed(t *testing.T) {
	n, c := testClient(2)
	c.offer(msg(1, "A"))
	c.offer(msg(2, "B"))
	c.offer(msg(3, "C")) // the queue holds 2: this one closes the client
	if !c.closed || c.code != StatusTooSlow {
		t.Fatalf("closed=%v code=%v, want closed with %d", c.closed, c.code, StatusTooSlow)
	}
	if got := testutil.ToFloat64(n.metrics.slowCloses); got != 1 {
		t.Fatalf("slow closes metric %v", got)
	}
	c.offer(msg(4, "D")) // ignored once closed
	if got := drain(c); len(got) != 2 {
		t.Fatalf("queued %v", got)
	}
}

// TestOfferFiltersAndDedupes: subscriptions filter, user events go only to
// their user, and a sequence is never queued twice.
func TestOfferFiltersAndDedupes(t *testing.T) {
	_, c := testClient(16)
	c.all, c.symbols = false, map[string]bool{"ACME": true}
	c.offer(msg(1, "ACME"))
	c.offer(msg(2, "BETA"))
	c.offer(msg(1, "ACME")) // a repeat
	c.offer(Message{Seq: 3, UserID: "u2", Data: []byte("other user")})
	c.offer(Message{Seq: 4, UserID: "u1", Data: []byte("mine")})
	c.offer(msg(5, "ACME"))
	if got := drain(c); len(got) != 3 || got[0] != "ACME" || got[1] != "mine" || got[2] != "ACME" {
		t.Fatalf("queued %v", got)
	}
}

// TestOfferDuringReplayWaits: while a resume replays history, live messages
// wait in pending and are not queued ahead of the history.
func TestOfferDuringReplayWaits(t *testing.T) {
	_, c := testClient(16)
	c.replaying = true
	c.offer(msg(7, "A"))
	c.offer(msg(8, "A"))
	if got := drain(c); len(got) != 0 || len(c.pending) != 2 {
		t.Fatalf("queued %v during replay, pending %d", got, len(c.pending))
	}
}

func TestHubBroadcastReachesSubscribers(t *testing.T) {
	n, a := testClient(4)
	b := newClient(n, "c2", "u2", nil)
	b.all, b.symbols = false, map[string]bool{"X": true}
	n.hub.register(a)
	n.hub.register(b)
	n.hub.Broadcast(msg(1, "Y"))
	n.hub.Broadcast(msg(2, "X"))
	if ga, gb := drain(a), drain(b); len(ga) != 2 || len(gb) != 1 || gb[0] != "X" {
		t.Fatalf("a got %v, b got %v", ga, gb)
	}
	n.hub.unregister(a)
	if n.hub.Len() != 1 {
		t.Fatalf("Len = %d", n.hub.Len())
	}
}
