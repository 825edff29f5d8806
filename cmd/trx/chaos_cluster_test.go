package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestChaosNATSCluster is the end-to-end check of "nothing lost, nothing
// stuck" on a real cluster (scripts/chaos/cluster-e2e.sh runs it, with
// TRX_CHAOS_CLUSTER naming the directory of a 3-node JetStream cluster that
// scripts/chaos/nats-cluster.sh started): two trx notifier processes (each
// with a relay; one leads) on MariaDB and the cluster, a stream with three
// replicas, WebSocket clients on both notifiers, each watching some
// symbols, and price changes through the API while one NATS node is killed
// and restarted and the stream's leader is moved. Every client must end
// with every change of its symbols exactly once, in order.
func TestChaosNATSCluster(t *testing.T) {
	dir := os.Getenv("TRX_CHAOS_CLUSTER")
	if dir == "" {
		t.Skip("needs a cluster from scripts/chaos/cluster-e2e.sh (TRX_CHAOS_CLUSTER)")
	}
	ctl, err := filepath.Abs("../../scripts/chaos/nats-cluster.sh")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(ctl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("nats-cluster.sh %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	urls := run("urls")
	dbURL := sqldbtest.URL(t, sqldb.MySQL)
	bin := os.Getenv("TRX_BIN")
	if bin == "" {
		bin = buildTrx(t)
	}
	const stream = "TRXCHAOS"
	env := []string{"TRX_DB=" + dbURL, "TRX_NATS=" + urls, "TRX_NATS_STREAM=" + stream, "TRX_NATS_PREFIX=trxchaos",
		"TRX_NATS_REPLICAS=3", "TRX_LOG_LEVEL=warn", "TRX_NODE_HEARTBEAT=500ms"}
	for _, args := range [][]string{{"migrate"}, {"users", "add", "alice", "--scopes", "admin"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("trx %v: %v %s", args, err, out)
		}
		if args[0] == "users" {
			env = append(env, "CHAOS_KEY="+strings.TrimSpace(string(out)))
		}
	}
	key := strings.TrimPrefix(env[len(env)-1], "CHAOS_KEY=")
	nodes := []*proc{
		startProc(t, bin, "notifier-1", env, "--components", "notifier", "--node", "n1"),
		startProc(t, bin, "notifier-2", env, "--components", "notifier", "--node", "n2"),
	}
	for _, n := range nodes {
		n.waitReady(t)
	}

	symbols := []string{"ACME", "BETA", "GAMMA"}
	for i, s := range symbols {
		mustAPI(t, nodes[0].addr, key, "POST", "/api/v1/stocks", fmt.Sprintf(`{"symbol":%q,"name":"%s Inc","price":"%d","currency":"USD"}`, s, s, 100+i), 201)
	}
	watch := [][]string{nil, {"ACME"}, {"BETA", "GAMMA"}, nil, {"GAMMA"}, {"ACME", "BETA"}} // nil: every symbol
	table := &chaosNodes{procs: []*proc{nodes[0], nodes[1]}}
	clients := make([]*chaosClient, len(watch))
	for i, w := range watch {
		clients[i] = newChaosClient(t, i, table, i%2, key, w)
	}
	t.Cleanup(func() {
		for _, c := range clients {
			c.stop()
		}
	})

	// Price changes through both notifiers' API while the cluster suffers.
	var writes []change
	up := []*proc{nodes[0], nodes[1]} // the notifiers that take writes now
	write := func(n int) {
		for range n {
			i := len(writes)
			s := symbols[i%len(symbols)]
			price := fmt.Sprintf("%d.%02d", 200+i/100, i%100)
			mustAPI(t, up[i%len(up)].addr, key, "PATCH", "/api/v1/stocks/"+s, fmt.Sprintf(`{"price":%q}`, price), 200)
			writes = append(writes, change{symbol: s, price: price})
		}
	}
	write(60)
	run("kill", "2", dir) // a crash of one of the three servers
	write(60)
	run("restart", "2", dir)
	write(60)
	stepDown(t, urls, stream) // the stream's leader moves
	write(60)
	// A notifier restarts (SIGTERM: its clients get 1001 and resume on the
	// other one, or on it again once it is back under the same name).
	up = []*proc{nodes[1]}
	nodes[0].stop(t)
	write(30)
	restarted := startProc(t, bin, "notifier-1b", env, "--components", "notifier", "--node", "n1")
	restarted.waitReady(t)
	nodes[0] = restarted
	table.set(0, restarted)
	up = []*proc{nodes[0], nodes[1]}
	write(30)
	run("kill", "3", dir)
	write(30)
	run("restart", "3", dir)
	stepDown(t, urls, stream)
	write(30)

	deadline := time.Now().Add(90 * time.Second) // a bound, not a speed check
	for _, c := range clients {
		want := c.expect(writes)
		if err := c.waitFor(len(want), deadline); err != nil {
			t.Fatalf("client %d (%v) on %s: %v; got %d of %d", c.id, c.watch, c.where(), err, c.count(), len(want))
		}
		got := c.received()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("client %d (%v): the changes of its symbols differ from what was written\n got %v\nwant %v", c.id, c.watch, got, want)
		}
		t.Logf("client %d (%v): %d changes, exactly once and in order, over %d connection(s)", c.id, c.watch, len(got), c.connections())
	}
	for _, n := range nodes {
		n.waitReady(t) // both notifiers healthy again
	}
}

// stepDown asks the stream's leader to step down: another replica leads.
func stepDown(t *testing.T, urls, stream string) {
	t.Helper()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, err := nc.Request("$JS.API.STREAM.LEADER.STEPDOWN."+stream, nil, 5*time.Second)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream leader step-down: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

type change struct{ symbol, price string }

func (c change) String() string { return c.symbol + "@" + c.price }

// chaosNodes is the notifiers the clients connect to, one replaced when
// it restarts.
type chaosNodes struct {
	mu    sync.Mutex
	procs []*proc
}

func (n *chaosNodes) get(i int) *proc {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.procs[i]
}

func (n *chaosNodes) set(i int, p *proc) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.procs[i] = p
}

// chaosClient is a WebSocket client that watches some symbols and, when
// its connection ends (1013, 1001, 1006, …), reconnects to the other
// notifier with ?since= its last sequence, as the dashboard does.
type chaosClient struct {
	t     *testing.T
	id    int
	nodes *chaosNodes
	key   string
	watch []string // nil: every symbol

	mu      sync.Mutex
	got     []change
	lastSeq uint64
	node    int
	conns   int
	more    chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}
	errs    []string
}

func newChaosClient(t *testing.T, id int, nodes *chaosNodes, node int, key string, watch []string) *chaosClient {
	ctx, cancel := context.WithCancel(context.Background())
	c := &chaosClient{t: t, id: id, nodes: nodes, key: key, watch: watch, node: node, more: make(chan struct{}, 1),
		cancel: cancel, done: make(chan struct{})}
	subscribed := make(chan struct{})
	go c.run(ctx, subscribed)
	select {
	case <-subscribed:
	case <-time.After(30 * time.Second):
		t.Fatal("a chaos client did not subscribe within 30 s")
	}
	return c
}

func (c *chaosClient) wants(symbol string) bool {
	if c.watch == nil {
		return true
	}
	for _, s := range c.watch {
		if s == symbol {
			return true
		}
	}
	return false
}

func (c *chaosClient) expect(writes []change) []change {
	var out []change
	for _, w := range writes {
		if c.wants(w.symbol) {
			out = append(out, w)
		}
	}
	return out
}

func (c *chaosClient) run(ctx context.Context, subscribed chan struct{}) {
	defer close(c.done)
	first := true
	for ctx.Err() == nil {
		c.mu.Lock()
		addr, since := c.nodes.get(c.node).addr, c.lastSeq
		c.conns++
		c.mu.Unlock()
		err := c.session(ctx, addr, since, func() {
			if first {
				first = false
				close(subscribed)
			}
		})
		if ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		c.node = (c.node + 1) % 2 // reconnect elsewhere
		c.errs = append(c.errs, fmt.Sprint(err))
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond): // a reconnect pause, as a client would
		}
	}
}

// session runs one connection until it ends.
func (c *chaosClient) session(ctx context.Context, addr string, since uint64, subscribed func()) error {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := "ws://" + addr + "/ws?token=" + c.key
	if since > 0 {
		u += fmt.Sprintf("&since=%d", since)
	}
	conn, _, err := websocket.Dial(dctx, u, nil)
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	if c.watch != nil {
		req := `{"action":"subscribe","symbols":["` + strings.Join(c.watch, `","`) + `"]}`
		if err := conn.Write(ctx, websocket.MessageText, []byte(req)); err != nil {
			return err
		}
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return err
		}
		switch m["type"] {
		case "welcome":
			if c.watch == nil {
				subscribed()
			}
		case "subscribed":
			subscribed()
		case "stock.changed":
			seq := uint64(m["sequence"].(float64))
			sym, _ := m["symbol"].(string)
			price, _ := m["new_price"].(string)
			c.mu.Lock()
			if seq <= c.lastSeq {
				c.errs = append(c.errs, fmt.Sprintf("sequence %d after %d", seq, c.lastSeq))
			}
			c.lastSeq = seq
			if c.wants(sym) && m["operation"] == "update" {
				c.got = append(c.got, change{symbol: sym, price: price})
			}
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
		case "resync_required", "error":
			return errors.New("unexpected " + string(data))
		}
	}
}

func (c *chaosClient) waitFor(n int, deadline time.Time) error {
	for {
		c.mu.Lock()
		got := len(c.got)
		c.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-c.more:
		case <-time.After(time.Until(deadline)):
			c.mu.Lock()
			defer c.mu.Unlock()
			return fmt.Errorf("not all changes arrived within the bound (connection ends: %v)", c.errs)
		}
	}
}

func (c *chaosClient) received() []change {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errs {
		if strings.HasPrefix(e, "sequence ") {
			c.t.Errorf("client %d: out of order: %s", c.id, e)
		}
	}
	return append([]change(nil), c.got...)
}

func (c *chaosClient) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

func (c *chaosClient) connections() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conns
}

func (c *chaosClient) where() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes.get(c.node).name
}

func (c *chaosClient) stop() {
	c.cancel()
	<-c.done
}
