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

// client is one WebSocket connection. It holds no goroutine of its own
// while idle but its reader: frames wait in queue, which is allocated when
// something is queued and dropped when written, and a writer goroutine
// runs only while the queue is not empty. Keepalive pings run on a timer.
type client struct {
	id     string
	userID string
	node   *Node
	conn   *websocket.Conn
	raw    *batchConn // the socket under conn (nil in unit tests)

	mu        sync.Mutex
	all       bool            // subscribed to every symbol
	symbols   map[string]bool // subscribed symbols when !all
	lastSeq   uint64          // last stream sequence queued
	replaying bool            // a resume is running: live messages wait in pending
	pending   []Message
	queue     []frame       // frames to write, at most cfg.QueueSize
	writing   bool          // a writer goroutine runs (or conn is nil: none may)
	room      chan struct{} // closed when the writer takes the queue; made by enqueue when the queue is full
	closed    bool
	code      websocket.StatusCode
	reason    string
	done      chan struct{}
	connected time.Time
	ping      *time.Timer
}

func newClient(n *Node, id, userID string, conn *websocket.Conn) *client {
	return &client{id: id, userID: userID, node: n, conn: conn, writing: conn == nil,
		all: true, symbols: map[string]bool{}, done: make(chan struct{}), connected: time.Now()}
}

// match reports whether c wants m; c.mu must be held.
func (c *client) match(m Message) bool {
	if m.UserID != "" {
		return m.UserID == c.userID
	}
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
		if len(c.pending) >= 4*c.node.cfg.QueueSize {
			c.kill(StatusTooSlow, "too slow during resume; reconnect with ?since=last sequence")
			return
		}
		c.pending = append(c.pending, m)
		return
	}
	if !c.push(frame{data: m.Data, changedAt: m.ChangedAt}) {
		c.kill(StatusTooSlow, "too slow: the send queue is full; reconnect with ?since=last sequence")
		return
	}
	c.lastSeq = m.Seq
}

// push queues f if the queue has room and makes sure a writer runs; c.mu
// must be held.
func (c *client) push(f frame) bool {
	if len(c.queue) >= c.node.cfg.QueueSize {
		return false
	}
	c.queue = append(c.queue, f)
	c.wakeWriter()
	return true
}

// wakeWriter starts the writer goroutine unless it runs; c.mu must be held.
func (c *client) wakeWriter() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// kill closes the client with code; c.mu must be held. The writer sends
// what is queued (unless the client is too slow for it), then the close
// frame.
func (c *client) kill(code websocket.StatusCode, reason string) {
	if c.closed {
		return
	}
	c.closed, c.code, c.reason = true, code, reason
	if code == StatusTooSlow {
		c.node.metrics.slowCloses.Inc()
	}
	close(c.done)
	c.wakeWriter()
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
	var timeout <-chan time.Time
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return errors.New("client closed")
		}
		if c.push(f) {
			c.mu.Unlock()
			return nil
		}
		if c.room == nil {
			c.room = make(chan struct{})
		}
		room := c.room
		c.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(c.node.cfg.WriteTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-room:
		case <-c.done:
			return errors.New("client closed")
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout:
			c.close(StatusTooSlow, "too slow to receive what it asked for")
			return errors.New("client too slow")
		}
	}
}

func (c *client) reply(ctx context.Context, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	_ = c.enqueue(ctx, frame{data: data})
}

// writeLoop writes the queue until it is empty, then ends; once the client
// is closed, it sends the close frame.
func (c *client) writeLoop() {
	for {
		c.mu.Lock()
		batch, closed := c.queue, c.closed
		c.queue = nil
		if c.room != nil {
			close(c.room)
			c.room = nil
		}
		if closed && c.code == StatusTooSlow {
			batch = nil // it could not keep up: the close frame goes now
		}
		if len(batch) == 0 && !closed {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if len(batch) > 0 {
			if err := c.write(batch); err != nil {
				c.close(websocket.StatusGoingAway, "write failed")
				c.finish()
				return
			}
			continue // more may have come; the close frame goes last
		}
		c.finish()
		return
	}
}

// finish sends the close frame of a closed client (waiting for the
// client's reply, as the close handshake wants, within the library's
// bounds) and stops its pings. c.writing stays set: no writer starts again.
func (c *client) finish() {
	c.mu.Lock()
	code, reason, ping := c.code, c.reason, c.ping
	c.mu.Unlock()
	if ping != nil {
		ping.Stop()
	}
	_ = c.conn.Close(code, reason)
	c.conn.CloseNow() //nolint:errcheck // already closing
}

// write writes batch in one socket write (see batchConn) within the write
// timeout, then records the notifications sent and their latency.
func (c *client) write(batch []frame) error {
	if c.raw != nil {
		c.raw.cork(c.node.cfg.WriteTimeout)
	}
	var err error
	for _, f := range batch {
		// The socket's deadline bounds the write: no context per frame.
		if err = c.conn.Write(context.Background(), websocket.MessageText, f.data); err != nil {
			break
		}
	}
	if c.raw != nil {
		if uerr := c.raw.uncork(); err == nil {
			err = uerr
		}
	}
	if err != nil {
		return err
	}
	now := time.Now()
	sent := 0
	for _, f := range batch {
		if !f.changedAt.IsZero() {
			sent++
			c.node.metrics.latency.Observe(now.Sub(f.changedAt).Seconds())
		}
	}
	if sent > 0 {
		c.node.metrics.sent.Add(float64(sent))
	}
	return nil
}

// startPings sends a ping every PingInterval; a client that does not
// answer within PingTimeout is closed. The timer holds no goroutine
// between pings.
func (c *client) startPings(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ping = time.AfterFunc(c.node.cfg.PingInterval, func() {
		pctx, cancel := context.WithTimeout(ctx, c.node.cfg.PingTimeout)
		err := c.conn.Ping(pctx)
		cancel()
		if err != nil {
			c.close(websocket.StatusGoingAway, "no pong within the ping timeout")
			return
		}
		c.mu.Lock()
		if !c.closed {
			c.ping.Reset(c.node.cfg.PingInterval)
		}
		c.mu.Unlock()
	})
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
