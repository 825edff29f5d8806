package notify_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/notify/notifysql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// Issue 12: what one WebSocket client may cost is bounded (symbols per
// message and per connection, messages per second, connections per
// credential and per IP, how far back a resume reads), a subscription
// change is answered with what changed and written to the registry once
// per SaveDelay, and a connection closes when its credential is revoked
// (4003, on every node that hears of it) or expires (4004).

// countingRegistry counts SetSubscriptions calls.
type countingRegistry struct {
	notify.Registry
	sets atomic.Int32
}

func (r *countingRegistry) SetSubscriptions(ctx context.Context, id string, subs []string) error {
	r.sets.Add(1)
	return r.Registry.SetSubscriptions(ctx, id, subs)
}

// creds is a notify.Credentials the test drives.
type creds struct {
	mu    sync.Mutex
	watch func(auth.Invalidation)
	live  map[string]bool
}

func (c *creds) Watch(f func(auth.Invalidation)) func() {
	c.mu.Lock()
	c.watch = f
	c.mu.Unlock()
	return func() {}
}

func (c *creds) LiveKeys(_ context.Context, ids []string) (map[string]bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = c.live[id]
	}
	return out, nil
}

func (c *creds) send(inv auth.Invalidation) {
	c.mu.Lock()
	f := c.watch
	c.mu.Unlock()
	f(inv)
}

// expiries are the ExpiresAt of tokens, for the authenticator below.
var expiries sync.Map

// startNodeWith runs a node with cfg; the token names the principal: key
// id TOKEN, user u-TOKEN (tokens "same-*" share the user u-same).
func startNodeWith(t *testing.T, cfg notify.Config, bus *event.Bus, reg notify.Registry) string {
	t.Helper()
	authn := func(_ context.Context, token string) (auth.Principal, error) {
		p := auth.Principal{UserID: "u-" + token, KeyID: token, Method: auth.MethodKey}
		if exp, ok := expiries.Load(token); ok {
			p.ExpiresAt = exp.(time.Time)
		}
		return p, nil
	}
	cfg.Node = "n1"
	node := notify.NewNode(cfg, bus, reg, authn, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- node.Run(ctx) }()
	select {
	case <-node.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("node stopped at start: %v", err)
	}
	srv := httptest.NewServer(node.Handler())
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

func dialAs(t *testing.T, url, token, query string) (*wsConn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if query != "" {
		url += "?" + query
	}
	conn, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		return nil, res, err
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsConn{t: t, conn: conn}
	if m := c.next(); m["type"] != "welcome" {
		t.Fatalf("first message %v", m)
	}
	return c, res, nil
}

func mustDial(t *testing.T, url, token, query string) *wsConn {
	t.Helper()
	c, _, err := dialAs(t, url, token, query)
	if err != nil {
		t.Fatalf("dial as %s: %v", token, err)
	}
	return c
}

// closedWith reads until the connection ends and returns its close code.
func (c *wsConn) closedWith() websocket.StatusCode {
	c.t.Helper()
	for {
		if _, err := c.read(); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestSubscriptionCaps(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	reg := &countingRegistry{Registry: notifysql.New(sqldbtest.Open(t, sqldb.SQLite))}
	url := startNodeWith(t, notify.Config{Limits: notify.Limits{MaxSymbols: 5, MaxSymbolsPerMessage: 3, SaveDelay: time.Hour}}, bus, reg)
	c := mustDial(t, url, "k1", "")

	c.send(map[string]any{"action": "subscribe", "symbols": []string{"A", "B", "C", "D"}})
	if m := c.next(); m["type"] != "error" || !strings.Contains(m["error"].(string), "at most 3 symbols per message") {
		t.Fatalf("4 in one message: %v", m)
	}
	c.send(map[string]any{"action": "subscribe", "symbols": []string{"A", "B", "C"}})
	m := c.next()
	if m["type"] != "subscribed" || !slices.Equal(strs(m["changed"]), []string{"A", "B", "C"}) || m["count"] != 3.0 || m["all"] != false {
		t.Fatalf("first subscribe: %v", m)
	}
	// Only what changed comes back, not the whole set.
	c.send(map[string]any{"action": "subscribe", "symbols": []string{"C", "D"}})
	if m := c.next(); !slices.Equal(strs(m["changed"]), []string{"D"}) || m["count"] != 4.0 {
		t.Fatalf("second subscribe: %v", m)
	}
	c.send(map[string]any{"action": "subscribe", "symbols": []string{"E", "F"}})
	if m := c.next(); m["type"] != "error" || !strings.Contains(m["error"].(string), "at most 5 symbols") {
		t.Fatalf("past the connection's cap: %v", m)
	}
	c.send(map[string]any{"action": "unsubscribe", "symbols": []string{"A", "Z"}})
	if m := c.next(); m["type"] != "unsubscribed" || !slices.Equal(strs(m["changed"]), []string{"A"}) || m["count"] != 3.0 {
		t.Fatalf("unsubscribe: %v", m)
	}
	// Four changes, no registry write yet: they are gathered for SaveDelay.
	if n := reg.sets.Load(); n != 0 {
		t.Fatalf("%d registry writes within SaveDelay, want 0", n)
	}
}

func TestSubscriptionsSavedOnce(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	reg := &countingRegistry{Registry: notifysql.New(sqldbtest.Open(t, sqldb.SQLite))}
	url := startNodeWith(t, notify.Config{Limits: notify.Limits{SaveDelay: 20 * time.Millisecond}}, bus, reg)
	c := mustDial(t, url, "k1", "")
	c.send(map[string]any{"action": "subscribe", "symbols": []string{"A", "B"}})
	if m := c.next(); m["type"] != "subscribed" {
		t.Fatalf("%v", m)
	}
	recs, err := reg.List(context.Background(), "u-k1", 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("list %v %v", recs, err)
	}
	id := recs[0].ID
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := reg.Get(context.Background(), id)
		if err == nil && slices.Equal(r.Subscriptions, []string{"A", "B"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscriptions not saved: %+v %v", r, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTenThousandSymbolsSaved: a set of 10,000 symbols fits the registry
// on both engines (on MariaDB the TEXT column refused it).
func TestTenThousandSymbolsSaved(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			reg := notifysql.New(sqldbtest.Open(t, d))
			if err := reg.Add(ctx, notify.Record{ID: "c1", Node: "n1", UserID: "u1", ConnectedAt: time.Now(), Subscriptions: []string{"*"}}); err != nil {
				t.Fatal(err)
			}
			subs := make([]string, 10_000)
			for i := range subs {
				subs[i] = "SYMBOL-" + strings.Repeat("X", 3) + string(rune('A'+i%26)) + itoa(i)
			}
			if err := reg.SetSubscriptions(ctx, "c1", subs); err != nil {
				t.Fatalf("10,000 symbols: %v", err)
			}
			r, err := reg.Get(ctx, "c1")
			if err != nil || len(r.Subscriptions) != 10_000 {
				t.Fatalf("read back %d (%v)", len(r.Subscriptions), err)
			}
		})
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

// TestMessageRate: past its token bucket a client is closed with 1008.
func TestMessageRate(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	url := startNodeWith(t, notify.Config{Limits: notify.Limits{MessageRate: 0.001, MessageBurst: 3}}, bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	c := mustDial(t, url, "k1", "")
	for range 5 {
		c.send(map[string]any{"action": "ping", "id": "x"})
	}
	pongs := 0
	for {
		m, err := c.read()
		if err != nil {
			if code := websocket.CloseStatus(err); code != websocket.StatusPolicyViolation {
				t.Fatalf("closed with %v, want 1008", err)
			}
			break
		}
		if m["type"] == "pong" {
			pongs++
		}
	}
	if pongs != 3 {
		t.Fatalf("%d pongs, want 3 (the burst)", pongs)
	}
}

// TestConnectionLimits: a credential holds ConnsPerCredential connections
// on a node and a client IP ConnsPerIP; more are 429 until one closes.
func TestConnectionLimits(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	url := startNodeWith(t, notify.Config{Limits: notify.Limits{ConnsPerCredential: 2, ConnsPerIP: 3}}, bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	a1 := mustDial(t, url, "a", "")
	mustDial(t, url, "a", "")
	if _, res, err := dialAs(t, url, "a", ""); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a third for one key: %v %v", res, err)
	}
	mustDial(t, url, "b", "") // the third from this IP
	if _, res, err := dialAs(t, url, "c", ""); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a fourth from one IP: %v %v", res, err)
	}
	// Closing one gives its place back (once the node has seen it end).
	_ = a1.conn.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _, err := dialAs(t, url, "a", "")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place after a close: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReplayCap: a resume from further back than MaxReplay sequences
// reads nothing and answers resync_required; a nearer one replays.
func TestReplayCap(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	publish(t, bus, 1, 30)
	url := startNodeWith(t, notify.Config{Limits: notify.Limits{MaxReplay: 10}}, bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	far := mustDial(t, url, "k1", "since=1")
	if m := far.next(); m["type"] != "resync_required" || m["last_sequence"] != 30.0 {
		t.Fatalf("since=1 with MaxReplay 10: %v", m)
	}
	near := mustDial(t, url, "k2", "since=25")
	if got := near.sequences("resumed"); !slices.Equal(got, seqs(26, 30)) {
		t.Fatalf("since=25 replayed %v", got)
	}
}

// TestCredentialCloses: a revoked key's connections close with 4003 when
// the invalidation arrives, others stay; after an invalidation of
// everything the node rechecks every key; a credential's connection closes
// with 4004 at its expiry.
func TestCredentialCloses(t *testing.T) {
	bus := openBus(t, natsServer(t).ClientURL())
	cr := &creds{live: map[string]bool{"k1": true, "k2": true, "k3": true}}
	url := startNodeWith(t, notify.Config{Credentials: cr}, bus, notifysql.New(sqldbtest.Open(t, sqldb.SQLite)))
	k1, k1b := mustDial(t, url, "k1", ""), mustDial(t, url, "k1", "")
	k2, k3 := mustDial(t, url, "k2", ""), mustDial(t, url, "k3", "")
	cr.send(auth.Invalidation{KeyID: "k1"})
	for _, c := range []*wsConn{k1, k1b} {
		if code := c.closedWith(); code != notify.StatusRevoked {
			t.Fatalf("k1 closed with %d, want 4003", code)
		}
	}
	k2.send(map[string]any{"action": "ping", "id": "still"})
	if m := k2.next(); m["type"] != "pong" {
		t.Fatalf("k2 after k1's revocation: %v", m)
	}
	// The node missed invalidations (NATS came back): it checks again.
	cr.mu.Lock()
	cr.live["k2"] = false
	cr.mu.Unlock()
	cr.send(auth.Invalidation{All: true})
	if code := k2.closedWith(); code != notify.StatusRevoked {
		t.Fatalf("k2 after the recheck: %d, want 4003", code)
	}
	k3.send(map[string]any{"action": "ping", "id": "still"})
	if m := k3.next(); m["type"] != "pong" {
		t.Fatalf("k3 after the recheck: %v", m)
	}

	expiries.Store("short", time.Now().Add(300*time.Millisecond))
	short := mustDial(t, url, "short", "")
	if code := short.closedWith(); code != notify.StatusExpired {
		t.Fatalf("at expiry: %d, want 4004", code)
	}
}
