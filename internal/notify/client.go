package notify

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/coder/websocket"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"
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
	changedAt time.Time         // zero for replies
	trace     trace.SpanContext // of the notification's consumer span (zero: untraced)
}

// client is one WebSocket connection. It holds no goroutine of its own
// but its reader: frames wait in queue, which is allocated when something
// is queued and dropped when written, and the node's writer pool writes
// them. Keepalive pings run on a timer.
type client struct {
	id     string
	userID string
	keyID  string // the API key it authenticated with ("" for a JWT)
	// sessionID is the password session whose ticket opened it ("" for a
	// bearer credential).
	sessionID string
	node      *Node
	conn      *websocket.Conn
	raw       *batchConn // the socket under conn (nil in unit tests)

	mu        sync.Mutex
	all       bool            // subscribed to every symbol
	symbols   map[string]bool // subscribed symbols when !all
	lastSeq   uint64          // last stream sequence queued
	replaying bool            // a resume is running: live messages wait in pending
	pending   []Message
	queue     []frame       // frames to write, at most cfg.QueueSize
	writing   bool          // in the writer pool's line or being written (or conn is nil: never)
	room      chan struct{} // closed when the writer takes the queue; made by enqueue when the queue is full
	closed    bool
	code      websocket.StatusCode
	reason    string
	done      chan struct{}
	connected time.Time
	ping      *time.Timer
	expiry    *time.Timer   // closes c when its credential expires (nil: never)
	saving    *time.Timer   // a pending write of the subscriptions (scheduleSave)
	bucket    *rate.Limiter // client messages (used by the read loop only)
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
	if !c.push(frame{data: m.Data, changedAt: m.ChangedAt, trace: m.Trace}) {
		c.kill(StatusTooSlow, "too slow: the send queue is full; reconnect with ?since=last sequence")
		return
	}
	c.lastSeq = m.Seq
}

// hold starts a resume from since: live messages for c wait in pending
// until release, and c's sequence restarts at since, whatever it received
// live before. It reports false if a resume is already running.
func (c *client) hold(since uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.replaying {
		return false
	}
	c.replaying, c.pending, c.lastSeq = true, nil, since
	return true
}

// release ends a resume. After a complete replay (ok) the pending live
// messages that the replay did not already send follow, in order; after a
// failed one, c is closed with StatusRetry and the pending ones dropped: a
// client that went on live would never get what the replay missed.
func (c *client) release(ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pending := c.pending
	c.pending, c.replaying = nil, false
	if !ok {
		c.kill(StatusRetry, "the event stream cannot be read now; reconnect with ?since=last sequence")
		return
	}
	for _, m := range pending {
		if m.Seq <= c.lastSeq || c.closed {
			continue
		}
		if !c.push(frame{data: m.Data, changedAt: m.ChangedAt, trace: m.Trace}) {
			c.kill(StatusTooSlow, "too slow after resume; reconnect with ?since=last sequence")
			continue
		}
		c.lastSeq = m.Seq
	}
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

// wakeWriter puts c in the writer pool's line unless it is there or being
// written; c.mu must be held.
func (c *client) wakeWriter() {
	if !c.writing {
		c.writing = true
		c.node.writers.push(c)
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

// writeOnce writes one batch of c's queue (on a pool goroutine), then
// puts c back in the pool's line if more is queued. A batch the socket
// cannot take at once is finished by a goroutine of c's own, which waits
// for the socket; a closed client's close frame goes the same way, since
// the close handshake waits for the client.
func (c *client) writeOnce() {
	batch, closed := c.take()
	switch {
	case batch == nil && !closed:
		return // nothing to write: c.writing was cleared
	case batch == nil:
		go c.finish()
		return
	}
	stalled, err := c.write(batch)
	switch {
	case err != nil:
		c.close(websocket.StatusGoingAway, "write failed")
		go c.finish()
	case stalled:
		go c.writeSlow(batch)
	default:
		c.next()
	}
}

// take takes up to maxBatchBytes of queued frames. It returns nil and
// clears c.writing when there is nothing to do; closed with a nil batch
// means the close frame is due.
func (c *client) take() (batch []frame, closed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed && c.code == StatusTooSlow {
		c.queue = nil // it could not keep up: the close frame goes now
	}
	size, n := 0, 0
	for n < len(c.queue) && (n == 0 || size+len(c.queue[n].data) <= maxBatchBytes) {
		size += len(c.queue[n].data)
		n++
	}
	if n > 0 {
		batch = c.queue[:n:n]
		c.queue = c.queue[n:]
		if len(c.queue) == 0 {
			c.queue = nil // the queue's memory goes with the batch
		}
		if c.room != nil {
			close(c.room)
			c.room = nil
		}
	}
	if batch == nil && !c.closed {
		c.writing = false
	}
	return batch, c.closed
}

// next puts c back in the pool's line if it has more to write or is
// closed (its close frame is due), and otherwise leaves it idle.
func (c *client) next() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) > 0 || c.closed {
		c.node.writers.push(c)
		return
	}
	c.writing = false
}

// writeSlow finishes writing batch, waiting for the socket (within the
// write timeout for progress), then goes back to the pool.
func (c *client) writeSlow(batch []frame) {
	if err := c.raw.uncork(); err != nil {
		c.close(websocket.StatusGoingAway, "write failed")
		c.finish()
		return
	}
	c.sent(batch)
	c.next()
}

// finish sends the close frame of a closed client (waiting for the
// client's reply, as the close handshake wants, within the library's
// bounds) and stops its pings. c.writing stays set: no write starts again.
func (c *client) finish() {
	c.mu.Lock()
	code, reason, ping, expiry, saving := c.code, c.reason, c.ping, c.expiry, c.saving
	c.mu.Unlock()
	for _, t := range []*time.Timer{ping, expiry, saving} {
		if t != nil {
			t.Stop()
		}
	}
	_ = c.conn.Close(code, reason)
	c.conn.CloseNow() //nolint:errcheck // already closing
}

// write gathers batch and writes it to the socket in one write, without
// waiting: stalled means the socket did not take it all, and writeSlow
// must finish it.
func (c *client) write(batch []frame) (stalled bool, err error) {
	start := time.Now()
	defer func() { c.traceWritten(batch, start, err) }()
	if c.raw != nil {
		c.raw.cork(c.node.cfg.WriteTimeout)
	}
	for _, f := range batch {
		// Corked, this only copies into the batch: no context per frame.
		if err = c.conn.Write(context.Background(), websocket.MessageText, f.data); err != nil {
			break
		}
	}
	if c.raw != nil {
		s, uerr := c.raw.tryUncork()
		if err == nil {
			stalled, err = s, uerr
		}
	}
	if err != nil || stalled {
		return stalled, err
	}
	c.sent(batch)
	return false, nil
}

// sent records the notifications of a written batch and their latency.
func (c *client) sent(batch []frame) {
	now := time.Now()
	n := 0
	for _, f := range batch {
		if !f.changedAt.IsZero() {
			n++
			c.node.metrics.latency.Observe(now.Sub(f.changedAt).Seconds())
		}
	}
	if n > 0 {
		c.node.metrics.sent.Add(float64(n))
	}
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
