package notify

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Close codes the notifier uses besides the standard ones.
const (
	// StatusTooSlow closes a client that did not read its messages fast
	// enough to keep its queue from filling; it can reconnect and resume.
	StatusTooSlow websocket.StatusCode = 4001
	// StatusKicked closes a client that an administrator disconnected.
	StatusKicked websocket.StatusCode = 4002
)

type frame struct {
	data      []byte
	changedAt time.Time // zero for replies
}

// client is one WebSocket connection.
type client struct {
	id     string
	userID string
	node   *Node
	conn   *websocket.Conn
	send   chan frame

	mu        sync.Mutex
	all       bool            // subscribed to every symbol
	symbols   map[string]bool // subscribed symbols when !all
	lastSeq   uint64          // last stream sequence queued
	replaying bool            // a resume is running: live messages wait in pending
	pending   []Message
	closed    bool
	code      websocket.StatusCode
	reason    string
	done      chan struct{}
	connected time.Time
}

func newClient(n *Node, id, userID string, conn *websocket.Conn) *client {
	return &client{id: id, userID: userID, node: n, conn: conn, send: make(chan frame, n.cfg.QueueSize),
		all: true, symbols: map[string]bool{}, done: make(chan struct{}), connected: time.Now()}
}

// match reports whether c wants m; c.mu must be held.
func (c *client) match(m Message) bool {
	if m.UserID != "" {
		return m.UserID == c.userID
	}
	return c.all || c.symbols[m.Symbol]
}

func (c *client) wants(m Message) bool {
	if m.UserID != "" {
		return m.UserID == c.userID
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.all || c.symbols[m.Symbol]
}

// offer queues a live message without blocking: a full queue closes the
// client with StatusTooSlow.
func (c *client) offer(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || m.Seq <= c.lastSeq || !c.match(m) {
		return
	}
	if c.replaying {
		if len(c.pending) >= 4*cap(c.send) {
			c.kill(StatusTooSlow, "too slow during resume; reconnect with ?since=last sequence")
			return
		}
		c.pending = append(c.pending, m)
		return
	}
	select {
	case c.send <- frame{data: m.Data, changedAt: m.ChangedAt}:
		c.lastSeq = m.Seq
	default:
		c.kill(StatusTooSlow, "too slow: the send queue is full; reconnect with ?since=last sequence")
	}
}

// kill closes the client with code; c.mu must be held.
func (c *client) kill(code websocket.StatusCode, reason string) {
	if c.closed {
		return
	}
	c.closed, c.code, c.reason = true, code, reason
	if code == StatusTooSlow {
		c.node.metrics.slowCloses.Inc()
	}
	close(c.done)
}

// close closes the client with code.
func (c *client) close(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	c.kill(code, reason)
	c.mu.Unlock()
}

// enqueue queues a frame, waiting for room (used for replies and replayed
// messages, which a client asked for); it gives up when the client closes
// or after the write timeout.
func (c *client) enqueue(ctx context.Context, f frame) error {
	t := time.NewTimer(c.node.cfg.WriteTimeout)
	defer t.Stop()
	select {
	case c.send <- f:
		return nil
	case <-c.done:
		return errors.New("client closed")
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		c.close(StatusTooSlow, "too slow to receive what it asked for")
		return errors.New("client too slow")
	}
}

func (c *client) reply(ctx context.Context, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	_ = c.enqueue(ctx, frame{data: data})
}

// writeLoop writes queued frames and pings until the client closes.
func (c *client) writeLoop(ctx context.Context) {
	ping := time.NewTicker(c.node.cfg.PingInterval)
	defer ping.Stop()
	defer c.conn.CloseNow() //nolint:errcheck // already closing
	for {
		select {
		case f := <-c.send:
			wctx, cancel := context.WithTimeout(ctx, c.node.cfg.WriteTimeout)
			err := c.conn.Write(wctx, websocket.MessageText, f.data)
			cancel()
			if err != nil {
				c.close(websocket.StatusGoingAway, "write failed")
				return
			}
			if !f.changedAt.IsZero() {
				c.node.metrics.sent.Inc()
				c.node.metrics.latency.Observe(time.Since(f.changedAt).Seconds())
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, c.node.cfg.PingTimeout)
			err := c.conn.Ping(pctx)
			cancel()
			if err != nil {
				c.close(websocket.StatusGoingAway, "no pong within the ping timeout")
				return
			}
		case <-c.done:
			c.mu.Lock()
			code, reason := c.code, c.reason
			c.mu.Unlock()
			_ = c.conn.Close(code, reason)
			return
		case <-ctx.Done():
			_ = c.conn.Close(websocket.StatusGoingAway, "server shutting down; reconnect with ?since=last sequence")
			return
		}
	}
}

// subscriptions returns c's subscriptions for the connections table.
func (c *client) subscriptions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.all {
		return []string{"*"}
	}
	out := make([]string, 0, len(c.symbols))
	for s := range c.symbols {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
