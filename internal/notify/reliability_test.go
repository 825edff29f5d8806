package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// The notifier's promises under faults (issue 11): a resume never skips,
// a resume that cannot read the stream closes with StatusRetry instead of
// going on with a gap, a restarted node sweeps its previous run's rows,
// and shutdown closes every client with 1001.

// natsServer runs a NATS server with JetStream on a loopback port, which
// the test can stop (the embedded server of event.Open cannot be).
func natsServer(t *testing.T) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

func openBus(t *testing.T, url string) *event.Bus {
	t.Helper()
	bus, err := event.Open(context.Background(), event.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	return bus
}

// testNode runs a node named name on bus and reg behind an HTTP server.
type testNode struct {
	node *notify.Node
	url  string // ws://…/ws
	stop func() // cancels Run and waits for it
}

func startNode(t *testing.T, name string, bus *event.Bus, reg notify.Registry) *testNode {
	t.Helper()
	authn := func(_ context.Context, token string) (auth.Principal, error) {
		return auth.Principal{UserID: "u1", UserName: token}, nil
	}
	node := notify.NewNode(notify.Config{Node: name}, bus, reg, authn, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- node.Run(ctx) }()
	select {
	case <-node.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("node stopped at start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("node not ready within 30 s")
	}
	srv := httptest.NewServer(node.Handler())
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node run: %v", err)
		}
		srv.Close()
	}
	t.Cleanup(stop)
	return &testNode{node: node, url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws", stop: stop}
}

type wsConn struct {
	t    *testing.T
	conn *websocket.Conn
}

func dial(t *testing.T, url, query string) *wsConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if query != "" {
		url += "?" + query
	}
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer k"}}})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsConn{t: t, conn: conn}
	if m := c.next(); m["type"] != "welcome" {
		t.Fatalf("first message %v", m)
	}
	return c
}

// read reads one message or the error that ended the connection (30 s is
// a bound, not an assertion on speed).
func (c *wsConn) read() (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("message %s: %v", data, err)
	}
	return m, nil
}

func (c *wsConn) next() map[string]any {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

func (c *wsConn) send(v any) {
	c.t.Helper()
	data, _ := json.Marshal(v)
	if err := c.conn.Write(context.Background(), websocket.MessageText, data); err != nil {
		c.t.Fatal(err)
	}
}

// sequences reads until a message of type until and returns the sequences
// of the stock changes before it.
func (c *wsConn) sequences(until string) []uint64 {
	c.t.Helper()
	var out []uint64
	for {
		m := c.next()
		switch m["type"] {
		case "stock.changed":
			out = append(out, uint64(m["sequence"].(float64)))
		case until:
			return out
		case "error", "resync_required":
			c.t.Fatalf("unexpected %v", m)
		}
	}
}

func publish(t *testing.T, bus *event.Bus, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		e := event.StockChanged{ChangeID: int64(i), Symbol: "ACME", Op: "update", ChangedAt: time.Now().UTC(),
			Old: &event.Image{Name: "Acme", Price: int64(i) * 1e6, Currency: "USD"}, New: &event.Image{Name: "Acme", Price: int64(i+1) * 1e6, Currency: "USD"}}
		if err := bus.PublishStock(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func seqs(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// TestResumeAfterLiveMessage: a connection that received a live message
// before it asked to resume from an older sequence still gets every
// message after that sequence, in order and once (it used to get none:
// the replay was filtered by the last live sequence).
func TestResumeAfterLiveMessage(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	publish(t, bus, 1, 20) // sequences 1..20, before the node starts: none reaches the client live
	n := startNode(t, "n1", bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	c := dial(t, n.url, "")
	publish(t, bus, 21, 21)
	if m := c.next(); m["type"] != "stock.changed" || m["sequence"] != 21.0 {
		t.Fatalf("live message %v, want sequence 21", m)
	}
	c.send(map[string]any{"action": "resume", "since": 5})
	got := c.sequences("resumed")
	if want := seqs(6, 21); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("resume since 5 replayed %v, want %v", got, want)
	}
	publish(t, bus, 22, 23)
	if m := c.next(); m["sequence"] != 22.0 {
		t.Fatalf("after the resume %v, want sequence 22", m)
	}
	if m := c.next(); m["sequence"] != 23.0 {
		t.Fatalf("after the resume %v, want sequence 23", m)
	}
}

// TestSinceWhileStreamUnavailable: a ?since= reconnect while NATS is down
// is closed with StatusRetry (1013) instead of going live with a gap.
func TestSinceWhileStreamUnavailable(t *testing.T) {
	ns := natsServer(t)
	bus := openBus(t, ns.ClientURL())
	n := startNode(t, "n1", bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	publish(t, bus, 1, 3)
	ns.Shutdown()
	ns.WaitForShutdown()
	c := dial(t, n.url, "since=1")
	for {
		m, err := c.read()
		if err != nil {
			if code := websocket.CloseStatus(err); code != notify.StatusRetry {
				t.Fatalf("connection ended with %v (code %d), want close code %d", err, code, notify.StatusRetry)
			}
			return
		}
		if m["type"] == "stock.changed" || m["type"] == "resumed" {
			t.Fatalf("got %v while the stream could not be read", m)
		}
	}
}

// TestGhostRowsSweptAtStart: a node restarting under the same name (as
// compose and Kubernetes name them) deletes the connection rows its
// previous run left when it crashed, while that run's liveness has not
// expired yet.
func TestGhostRowsSweptAtStart(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			reg := notifysql.New(sqldbtest.Open(t, d))
			// The crashed run: alive for another 30 s, with two clients.
			if err := reg.Heartbeat(ctx, "n1", 30*time.Second); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"ghost1", "ghost2"} {
				if err := reg.Add(ctx, notify.Record{ID: id, Node: "n1", UserID: "u1", ConnectedAt: time.Now(), Subscriptions: []string{"*"}}); err != nil {
					t.Fatal(err)
				}
			}
			bus := openBus(t, natsServer(t).ClientURL())
			startNode(t, "n1", bus, reg)
			for _, id := range []string{"ghost1", "ghost2"} {
				if _, err := reg.Get(ctx, id); !errors.Is(err, notify.ErrConnNotFound) {
					t.Fatalf("row %s of the previous run: %v, want it swept", id, err)
				}
			}
		})
	}
}

// TestShutdownSends1001: when the node stops, every client gets a close
// frame with 1001 (going away), not a bare end of the connection.
func TestShutdownSends1001(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	n := startNode(t, "n1", bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	const clients = 50
	conns := make([]*wsConn, clients)
	for i := range conns {
		conns[i] = dial(t, n.url, "")
	}
	codes := make(chan websocket.StatusCode, clients)
	for _, c := range conns {
		go func() {
			for {
				if _, err := c.read(); err != nil {
					codes <- websocket.CloseStatus(err)
					return
				}
			}
		}()
	}
	n.stop()
	for range clients {
		if code := <-codes; code != websocket.StatusGoingAway {
			t.Fatalf("a client's connection ended with code %d, want %d", code, websocket.StatusGoingAway)
		}
	}
}

// TestCheckReportsStream: the node's readiness check fails when the stream
// cannot be read.
func TestCheckReportsStream(t *testing.T) {
	ns := natsServer(t)
	bus := openBus(t, ns.ClientURL())
	n := startNode(t, "n1", bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.node.Check(ctx); err != nil {
		t.Fatalf("check with NATS up: %v", err)
	}
	ns.Shutdown()
	ns.WaitForShutdown()
	if err := n.node.Check(ctx); err == nil {
		t.Fatal("check with NATS down passed")
	}
}

// TestResumeDuringLivePublishes: changes published while a resume replays
// (live messages that reach the node before the replay has caught up) are
// neither lost nor repeated: the client gets every sequence after since,
// in order and once, whether it resumes with ?since= at connect or with
// the resume action on an open connection.
func TestResumeDuringLivePublishes(t *testing.T) {
	const before, during, since = 300, 300, 10
	for _, tc := range []struct {
		name  string
		query bool // ?since= at connect, else the resume action
	}{{"since query", true}, {"resume action", false}} {
		t.Run(tc.name, func(t *testing.T) {
			bus := openBus(t, natsServer(t).ClientURL())
			publish(t, bus, 1, before)
			n := startNode(t, "n1", bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
			var c *wsConn
			if tc.query {
				c = dial(t, n.url, fmt.Sprintf("since=%d", since))
			} else {
				c = dial(t, n.url, "")
			}
			published := make(chan error, 1)
			go func() { published <- publishAll(bus, before+1, before+during) }()
			if !tc.query {
				c.send(map[string]any{"action": "resume", "since": since})
			}
			var got []uint64
			for len(got) == 0 || got[len(got)-1] != before+during {
				m := c.next()
				switch m["type"] {
				case "stock.changed":
					got = append(got, uint64(m["sequence"].(float64)))
				case "error", "resync_required":
					t.Fatalf("unexpected %v", m)
				}
			}
			if err := <-published; err != nil {
				t.Fatal(err)
			}
			// With the action, live messages queued before the resume took
			// hold come first; from the replay's first message on, every
			// sequence after since follows once, in order.
			start := 0
			for start < len(got) && got[start] != since+1 {
				if tc.query || got[start] <= before || (start > 0 && got[start] <= got[start-1]) {
					t.Fatalf("before the replay: %v", got[:start+1])
				}
				start++
			}
			if want := seqs(since+1, before+during); fmt.Sprint(got[start:]) != fmt.Sprint(want) {
				t.Fatalf("resume since %d while %d more were published: got %v, want %d..%d once each, in order",
					since, during, got[start:], since+1, before+during)
			}
		})
	}
}

// publishAll is publish for another goroutine: it returns the first error.
func publishAll(bus *event.Bus, from, to int) error {
	for i := from; i <= to; i++ {
		e := event.StockChanged{ChangeID: int64(i), Symbol: "ACME", Op: "update", ChangedAt: time.Now().UTC(),
			Old: &event.Image{Name: "Acme", Price: int64(i) * 1e6, Currency: "USD"}, New: &event.Image{Name: "Acme", Price: int64(i+1) * 1e6, Currency: "USD"}}
		if err := bus.PublishStock(context.Background(), e); err != nil {
			return err
		}
	}
	return nil
}

// TestResumeOverDeletedTail: a resume whose remaining sequences were all
// deleted from the stream (it reports them as its last, but holds none of
// them) ends as resumed with nothing replayed, and the client goes on
// live: an empty replay with nothing pending is the end, not a stall (a
// stall closes with StatusRetry, and the client would come back to the
// same empty replay for ever).
func TestResumeOverDeletedTail(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	publish(t, bus, 1, 10)
	ctx := context.Background()
	s, err := bus.JS.Stream(ctx, bus.Stream)
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{9, 10} {
		if err := s.DeleteMsg(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	if _, last, err := bus.Bounds(ctx); err != nil || last != 10 {
		t.Fatalf("stream's last sequence %d (%v), want 10 after deleting 9 and 10", last, err)
	}
	n := startNode(t, "n1", bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	c := dial(t, n.url, "since=8")
	if got := c.sequences("resumed"); len(got) != 0 {
		t.Fatalf("replayed %v over a deleted tail, want nothing", got)
	}
	publish(t, bus, 11, 11)
	if m := c.next(); m["type"] != "stock.changed" || m["sequence"] != 11.0 {
		t.Fatalf("after the resume %v, want sequence 11 live", m)
	}
}
