package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// Config tunes a notifier node.
type Config struct {
	Node           string        // this node's name (default: random)
	QueueSize      int           // frames queued per client before it is too slow (default 256)
	MaxMessage     int64         // largest client message (default 128 KiB; bigger closes with 1009)
	PingInterval   time.Duration // keepalive ping period (default 30s)
	PingTimeout    time.Duration // a pong must come within this (default 10s)
	WriteTimeout   time.Duration // one frame write (default 10s)
	OriginPatterns []string      // allowed browser origins besides the page's own host
	Heartbeat      time.Duration // node liveness renewal (default 10s; dead after 3×)
	CloseGrace     time.Duration // at shutdown, how long clients have to answer the 1001 (default 5s)
	StallAfter     time.Duration // the live feed is stuck when the stream is ahead of it, unmoving, this long (default 30s)
	Limits         Limits        // what one client may cost (see Limits for the defaults)
	// Credentials closes the connections of revoked keys (4003) when they
	// are revoked anywhere (nil: only at their expiry, 4004).
	Credentials Credentials
	// Tickets redeems a WebSocket ticket (/ws?ticket=, single use;
	// auth.Service.RedeemTicket). Nil: tickets are refused.
	Tickets Authenticator

	// Tracer and Propagator trace the live feed (a consumer span per
	// message whose headers carry trace context) and each socket write of
	// it; nil: untraced.
	Tracer     trace.Tracer
	Propagator propagation.TextMapPropagator
}

func (c *Config) defaults() {
	if c.Node == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		c.Node = "node-" + hex.EncodeToString(b[:])
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 256
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = 128 << 10
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 10 * time.Second
	}
	if c.CloseGrace <= 0 {
		c.CloseGrace = 5 * time.Second
	}
	c.Limits.defaults()
	if c.StallAfter <= 0 {
		c.StallAfter = 30 * time.Second
	}
}

// Authenticator turns a bearer token into a principal.
type Authenticator func(ctx context.Context, token string) (auth.Principal, error)

// Node is one notifier process: its hub, its live feed from the stream, and
// its WebSocket endpoint.
type Node struct {
	cfg      Config
	hub      *Hub
	bus      *event.Bus
	registry Registry
	batch    *registryBatcher // the registry's connects and disconnects, grouped
	writers  *writerPool
	authn    Authenticator
	metrics  *metrics
	log      *slog.Logger
	wg       sync.WaitGroup
	ctx      context.Context // the node's run context, for client goroutines
	ready    chan struct{}
	conns    counts // open connections per credential and client IP
	stall    stall  // guarded by hub.mu
	stopping atomic.Bool
}

// NewNode returns a notifier node; call Run, then serve Handler.
func NewNode(cfg Config, bus *event.Bus, registry Registry, authn Authenticator, reg prometheus.Registerer, log *slog.Logger) *Node {
	cfg.defaults()
	n := &Node{cfg: cfg, hub: NewHub(), bus: bus, registry: registry, batch: &registryBatcher{reg: registry}, writers: newWriterPool(),
		authn: authn, log: log.With("node", cfg.Node), ready: make(chan struct{})}
	n.metrics = newMetrics(reg, n.hub)
	return n
}

// Name returns the node's name.
func (n *Node) Name() string { return n.cfg.Node }

// Hub returns the node's hub.
func (n *Node) Hub() *Hub { return n.hub }

// Run feeds the hub from the stream, renews the node's liveness and sweeps
// the connections of dead nodes until ctx ends; then it closes every client
// (going away) and waits for their goroutines.
func (n *Node) Run(ctx context.Context) error {
	// Clients read on a context that outlives ctx: cancelling a read
	// tears the socket down without a close frame, and at shutdown every
	// client must get 1001 first. The connections end when their close
	// handshakes do; connCancel is the bound.
	connCtx, connCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer connCancel()
	n.ctx = connCtx
	// Rows a previous incarnation of this node left (it crashed, and this
	// process restarted under the same name) are ghosts: none of those
	// clients is connected here.
	if err := n.registry.RemoveNode(ctx, n.cfg.Node); err != nil {
		return fmt.Errorf("notify: sweep the connections of this node's previous run: %w", err)
	}
	// The live feed starts right after what the stream holds now, so that
	// the stall check knows where it stands and nothing published between
	// this read and the consumer's creation is missed.
	_, last, err := n.bus.Bounds(ctx)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	n.hub.mu.Lock()
	n.hub.seq = last
	n.hub.mu.Unlock()
	cons, err := n.bus.JS.OrderedConsumer(ctx, n.bus.Stream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: last + 1})
	if err != nil {
		return fmt.Errorf("notify: consumer: %w", err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		if user, ok := n.userOf(msg.Subject()); ok && !n.hub.connected(user) {
			n.skipped(msg) // nobody here to tell: not even decoded
			return
		}
		m, err := n.decode(msg)
		if err != nil {
			n.log.Warn("notify_bad_event", "subject", msg.Subject(), "err", err)
			if meta, err := msg.Metadata(); err == nil {
				n.hub.advance(meta.Sequence.Stream) // read, if useless: the feed is not behind
			}
			return
		}
		n.metrics.consumed(msg, m.ChangedAt)
		end := n.traceConsumed(msg, &m)
		n.hub.Broadcast(m)
		end()
	})
	if err != nil {
		return fmt.Errorf("notify: consume: %w", err)
	}
	defer cc.Stop()
	stopCtl, err := n.serveControl()
	if err != nil {
		return err
	}
	defer stopCtl()
	if n.cfg.Credentials != nil {
		defer n.cfg.Credentials.Watch(n.Invalidated)()
	}
	n.heartbeat(ctx) // alive before the first client registers
	close(n.ready)

	tick := time.NewTicker(n.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			n.stopping.Store(true)
			n.hub.each(func(c *client) {
				c.close(websocket.StatusGoingAway, "server shutting down; reconnect with ?since=last sequence")
			})
			// Each client's writer sends its 1001 and waits for the
			// client's reply (the close handshake, bounded by the
			// library); a client that never answers is cut after the
			// grace period.
			grace := time.AfterFunc(n.cfg.CloseGrace, func() {
				connCancel()
				// Reads wait on no context (see readLoop): cut the sockets.
				n.hub.each(func(c *client) { _ = c.conn.CloseNow() })
			})
			n.wg.Wait()
			grace.Stop()
			n.writers.stop()
			_ = n.registry.RemoveNode(context.WithoutCancel(ctx), n.cfg.Node)
			return nil
		case <-tick.C:
			n.heartbeat(ctx)
		}
	}
}

// Ready is closed once the node receives the stream.
func (n *Node) Ready() <-chan struct{} { return n.ready }

// Check reports why the node cannot serve now: it has not joined the
// stream yet, the stream cannot be read, or its live feed is stuck (the
// stream has held newer messages than the feed delivered, without the feed
// moving, for StallAfter). It is the notifier's readiness.
func (n *Node) Check(ctx context.Context) error {
	select {
	case <-n.ready:
	default:
		return errors.New("the notifier has not joined the event stream yet")
	}
	_, last, err := n.bus.Bounds(ctx)
	if err != nil {
		return fmt.Errorf("notify: the event stream cannot be read: %w", err)
	}
	n.hub.mu.Lock()
	defer n.hub.mu.Unlock()
	now := time.Now()
	switch {
	case last <= n.hub.seq:
		n.stall = stall{}
	case n.stall.since.IsZero() || n.stall.at != n.hub.seq:
		n.stall = stall{at: n.hub.seq, since: now}
	case now.Sub(n.stall.since) >= n.cfg.StallAfter:
		return fmt.Errorf("notify: the live feed is stuck at sequence %d for %s while the stream holds %d",
			n.hub.seq, now.Sub(n.stall.since).Round(time.Second), last)
	}
	return nil
}

// stall is where the live feed was first seen behind the stream, and when.
type stall struct {
	at    uint64
	since time.Time
}

func (n *Node) heartbeat(ctx context.Context) {
	if err := n.registry.Heartbeat(ctx, n.cfg.Node, 3*n.cfg.Heartbeat); err != nil && ctx.Err() == nil {
		n.log.Warn("notify_heartbeat_failed", "err", err)
	}
	if swept, err := n.registry.Sweep(ctx); err != nil && ctx.Err() == nil {
		n.log.Warn("notify_sweep_failed", "err", err)
	} else if swept > 0 {
		n.log.Info("notify_swept_dead_connections", "count", swept)
	}
}

// userOf returns the user of a per-user event's subject
// (PREFIX.ev.user.USER.TYPE).
func (n *Node) userOf(subject string) (string, bool) {
	rest, ok := strings.CutPrefix(subject, n.bus.Prefix+".ev.user.")
	if !ok {
		return "", false
	}
	user, _, ok := strings.Cut(rest, ".")
	return user, ok && user != ""
}

// skipped accounts for a live message that no client here wants: the feed
// has read it (so it is not behind), and it is counted as consumed. A
// client that connects just after with ?since= gets it from the replay,
// which reads the stream after the client is registered; one without
// since starts live from about its connection either way.
func (n *Node) skipped(msg jetstream.Msg) {
	if meta, err := msg.Metadata(); err == nil {
		n.hub.advance(meta.Sequence.Stream)
	}
	n.metrics.consumed(msg, time.Time{})
	n.metrics.skipped.Inc()
}

// decode turns a stream message into a ready-to-send Message.
func (n *Node) decode(msg jetstream.Msg) (Message, error) {
	meta, err := msg.Metadata()
	if err != nil {
		return Message{}, err
	}
	seq := meta.Sequence.Stream
	if strings.HasPrefix(msg.Subject(), n.bus.Prefix+".ev.user.") {
		var e event.UserEvent
		if err := json.Unmarshal(msg.Data(), &e); err != nil {
			return Message{}, err
		}
		return UserMessage(seq, e)
	}
	var e event.StockChanged
	if err := json.Unmarshal(msg.Data(), &e); err != nil {
		return Message{}, err
	}
	return StockMessage(seq, e)
}

// Handler is the WebSocket endpoint (/ws).
func (n *Node) Handler() http.Handler {
	return http.HandlerFunc(n.serveWS)
}

func (n *Node) serveWS(w http.ResponseWriter, r *http.Request) {
	select {
	case <-n.ready:
	default:
		web.Error(w, r, n.log, fault.New(fault.Unavailable, "the notifier is starting; retry shortly"))
		return
	}
	if n.stopping.Load() {
		web.Error(w, r, n.log, fault.New(fault.Unavailable, "the notifier is shutting down; connect to another node"))
		return
	}
	token := r.URL.Query().Get("token")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(rest)
		}
	}
	p, err := n.authenticate(r, token)
	if err != nil {
		web.Error(w, r, n.log, err)
		return
	}
	cred, ip := p.Subject(), n.cfg.Limits.ClientIP(r)
	if msg := n.conns.take(n.cfg.Limits, cred, ip); msg != "" {
		w.Header().Set("Retry-After", "10")
		web.WriteProblem(w, r, web.Problem{Status: http.StatusTooManyRequests, Detail: msg})
		return
	}
	counted := true
	defer func() {
		if counted {
			n.conns.give(cred, ip)
		}
	}()
	var since uint64
	if s := r.URL.Query().Get("since"); s != "" {
		if since, err = strconv.ParseUint(s, 10, 64); err != nil {
			v := &fault.Validation{}
			v.Add("since", "format", "must be the last sequence number received, a whole number")
			web.Error(w, r, n.log, v)
			return
		}
	}
	// The server's read and write timeouts are for HTTP requests; a
	// WebSocket lives on, kept alive by pings.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	hw := &hijackWriter{ResponseWriter: w}
	conn, err := websocket.Accept(hw, r, &websocket.AcceptOptions{OriginPatterns: n.cfg.OriginPatterns})
	if err != nil {
		return // Accept wrote the error (e.g. 403 for a foreign origin)
	}
	conn.SetReadLimit(n.cfg.MaxMessage)
	c := newClient(n, newConnID(), p.UserID, conn)
	c.raw = hw.conn
	c.keyID, c.sessionID = p.KeyID, p.SessionID
	if since > 0 {
		c.hold(since) // before the hub sees c: no live message may go ahead of the replay
	}
	ctx := n.ctx
	counted = false // the connection's goroutine gives the counts back
	n.wg.Add(1)
	// The connection goes on in a goroutine of its own and this handler
	// returns at once: the upgrade does not wait for the connections
	// table, and net/http frees the request, its 4 KiB read and write
	// buffers and this goroutine's stack (grown by authentication), which
	// would otherwise live as long as the connection. The access log and
	// HTTP metrics see the upgrade (101).
	go func() {
		defer n.conns.give(cred, ip)
		if !n.admit(ctx, c, p.ExpiresAt) {
			n.wg.Done()
			return
		}
		n.serveClient(ctx, c, since)
	}()
}

// admit records an upgraded connection in the connections table, in one
// write with the other connects and disconnects of the moment (group
// commit, registryBatcher), then puts it in the hub: it is listed before
// its welcome, so any node can message it by the id the welcome gives.
// If the row cannot be written, the connection is closed (1011) and admit
// returns false.
func (n *Node) admit(ctx context.Context, c *client, expires time.Time) bool {
	if err := n.batch.add(ctx, Record{ID: c.id, Node: n.cfg.Node, UserID: c.userID, ConnectedAt: c.connected, Subscriptions: c.subscriptions()}); err != nil {
		n.log.Error("notify_register_failed", "err", err)
		_ = c.conn.Close(websocket.StatusInternalError, "cannot register the connection; retry")
		return false
	}
	n.hub.register(c)
	if n.stopping.Load() { // shutdown began after the check above: this one missed the round of 1001s
		c.close(websocket.StatusGoingAway, "server shutting down; reconnect with ?since=last sequence")
	}
	n.metrics.connects.Inc()
	c.expireAt(expires) // a JWT's exp, a key's expires_at
	return true
}

// authenticate returns the principal of a WebSocket upgrade: a ticket is
// redeemed here (used up: one upgrade per ticket); otherwise the principal
// the gateway authenticated (in this process, or signed by the gateway in
// front of this service) is taken as it is, and only a request without one
// is authenticated with its token.
func (n *Node) authenticate(r *http.Request, token string) (auth.Principal, error) {
	if t := r.URL.Query().Get("ticket"); token == "" && t != "" && n.cfg.Tickets != nil {
		return n.cfg.Tickets(r.Context(), t)
	}
	if p, ok := auth.FromContext(r.Context()); ok {
		return p, nil
	}
	if token == "" {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return n.authn(r.Context(), token)
}

// serveClient runs an upgraded connection until it ends.
func (n *Node) serveClient(ctx context.Context, c *client, since uint64) {
	defer n.wg.Done()
	c.startPings(ctx)
	c.reply(ctx, map[string]any{"type": "welcome", "connection_id": c.id, "node": n.cfg.Node})
	if since > 0 {
		n.catchUp(ctx, c, since)
	}
	reason := n.readLoop(ctx, c)
	n.hub.unregister(c)
	n.metrics.disconnects.WithLabelValues(reason).Inc()
	if err := n.batch.remove(ctx, c.id); err != nil && ctx.Err() == nil {
		n.log.Warn("notify_unregister_failed", "err", err, "connection_id", c.id)
	}
}

func newConnID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// request is a client message, routed by its action (as API Gateway routes
// on $request.body.action).
type request struct {
	Action  string   `json:"action"`
	Symbols []string `json:"symbols"`
	Since   *uint64  `json:"since"`
	ID      string   `json:"id"` // echoed in the reply, if given
}

// readLoop reads client messages until the connection ends and returns why.
func (n *Node) readLoop(ctx context.Context, c *client) string {
	for {
		// Read on a context without cancellation: the library then keeps no
		// context.AfterFunc per blocked read, which an idle connection would
		// hold all its life. Shutdown cuts a socket that outlives its grace
		// with CloseNow (Run).
		typ, data, err := c.conn.Read(context.WithoutCancel(ctx))
		if err != nil {
			c.close(websocket.StatusNormalClosure, "")
			switch websocket.CloseStatus(err) {
			case websocket.StatusNormalClosure, websocket.StatusGoingAway:
				return "client"
			case websocket.StatusMessageTooBig:
				return "too_big"
			case StatusRevoked, StatusExpired: // the client echoed ours
				return "credential"
			case -1:
				c.mu.Lock()
				code := c.code
				c.mu.Unlock()
				switch code {
				case StatusTooSlow:
					return "slow"
				case StatusRevoked, StatusExpired:
					return "credential"
				}
				if n.stopping.Load() {
					return "shutdown"
				}
				return "error"
			}
			return "client"
		}
		if !c.allow() {
			c.reply(ctx, errorReply("", "", "too many messages; the limit is per connection"))
			c.close(StatusPolicy, "too many messages")
			return "policy"
		}
		if typ != websocket.MessageText {
			c.reply(ctx, errorReply("", "", "binary frames are not supported; send JSON text"))
			c.close(websocket.StatusUnsupportedData, "binary frames are not supported")
			return "bad_frame"
		}
		var req request
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			c.reply(ctx, errorReply("", "", "message is not valid JSON of the form {\"action\": …}: "+err.Error()))
			continue
		}
		n.handle(ctx, c, req)
	}
}

func errorReply(action, id, msg string) map[string]any {
	r := map[string]any{"type": "error", "error": msg}
	if action != "" {
		r["action"] = action
	}
	if id != "" {
		r["id"] = id
	}
	return r
}

func (n *Node) handle(ctx context.Context, c *client, req request) {
	switch req.Action {
	case "ping":
		c.reply(ctx, map[string]any{"type": "pong", "id": req.ID})
	case "subscribe", "unsubscribe":
		n.subscribe(ctx, c, req)
	case "resume":
		if req.Since == nil {
			c.reply(ctx, errorReply(req.Action, req.ID, "resume needs \"since\": the last sequence received"))
			return
		}
		n.resume(ctx, c, *req.Since)
	case "":
		c.reply(ctx, errorReply("", req.ID, "message has no \"action\"; known actions: subscribe, unsubscribe, resume, ping"))
	default:
		c.reply(ctx, errorReply(req.Action, req.ID, "unknown action "+strconv.Quote(req.Action)+"; known actions: subscribe, unsubscribe, resume, ping"))
	}
}

// StatusRetry (1013, Try Again Later) closes a client whose resume could
// not read the stream (NATS unreachable, the stream without a leader):
// rather than go on live with a gap, the server closes, and the client
// reconnects with ?since= its last sequence, after a pause.
const StatusRetry = websocket.StatusTryAgainLater

// resume is the resume action: it sends c every message after since that
// it wants, in order and once, then switches it back to live delivery.
func (n *Node) resume(ctx context.Context, c *client, since uint64) {
	if !c.hold(since) {
		c.reply(ctx, errorReply("resume", "", "a resume is already running"))
		return
	}
	n.catchUp(ctx, c, since)
}

// catchUp replays the stream after since to c, which hold has put on hold:
// from the moment of hold, live messages for c wait in its pending list,
// and what c had received live before is no reason to skip anything (the
// resume restarts c's sequence at since). Once the replay has read what
// the stream held, the pending messages that it did not already send
// follow, and c is live again: no gap, no repeat. If since is older than
// what the stream keeps, c gets resync_required (it should reload state)
// and continues live. If the stream cannot be read, c is closed with
// StatusRetry: going live would leave a gap.
func (n *Node) catchUp(ctx context.Context, c *client, since uint64) {
	ok := false
	defer func() { c.release(ok) }()

	bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	first, last, err := n.bus.Bounds(bctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			n.log.Warn("notify_resume_stream_unavailable", "err", err, "connection_id", c.id)
		}
		return
	}
	switch {
	case since == last:
		c.reply(ctx, map[string]any{"type": "resumed", "since": since, "replayed": 0})
		ok = true
		return
	case first == 0 || since+1 < first || since > last || last-since > n.cfg.Limits.MaxReplay:
		// (A resume further back than MaxReplay sequences would read that
		// much of the stream for one client: it reloads instead.)
		// Past retention, an empty stream, or a sequence the stream never
		// reached (it was reset): reload, then continue from last.
		c.mu.Lock()
		c.lastSeq = last
		c.mu.Unlock()
		c.reply(ctx, map[string]any{"type": "resync_required", "since": since, "first_sequence": first, "last_sequence": last,
			"detail": "messages after your sequence are not in the stream; reload the current state, then continue from last_sequence"})
		ok = true
		return
	}
	count, err := n.replay(ctx, c, since+1, last)
	if err != nil {
		if ctx.Err() == nil {
			n.log.Warn("notify_replay_failed", "err", err, "connection_id", c.id)
		}
		return
	}
	c.reply(ctx, map[string]any{"type": "resumed", "since": since, "replayed": count})
	ok = true
}

// replay reads the stream from seq from through to and queues what c wants.
// It fails rather than end short of to: a fetch that brings nothing while
// the consumer saw messages pending (a leader change, NATS lost after the
// consumer was made) is a stall, and the client must not be told it has
// resumed with a gap. One that brings nothing with nothing pending is the
// end (the last messages were deleted).
func (n *Node) replay(ctx context.Context, c *client, from, to uint64) (int, error) {
	cons, err := n.bus.JS.OrderedConsumer(ctx, n.bus.Stream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
	})
	if err != nil {
		return 0, fmt.Errorf("notify: replay consumer: %w", err)
	}
	count, pos := 0, from-1 // pos: the last sequence read
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return count, fmt.Errorf("notify: replay fetch: %w", err)
		}
		got := 0
		var pendingLeft uint64
		for msg := range batch.Messages() {
			got++
			if meta, err := msg.Metadata(); err == nil {
				pos, pendingLeft = meta.Sequence.Stream, meta.NumPending
			}
			m, err := n.decode(msg)
			if err != nil {
				continue
			}
			c.mu.Lock()
			ok := m.Seq > c.lastSeq && c.match(m)
			c.mu.Unlock()
			if !ok {
				continue
			}
			if err := c.enqueue(ctx, frame{data: m.Data, changedAt: m.ChangedAt}); err != nil {
				return count, err
			}
			c.mu.Lock()
			c.lastSeq = m.Seq
			c.mu.Unlock()
			count++
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return count, fmt.Errorf("notify: replay fetch: %w", err)
		}
		switch {
		case pos >= to || (got > 0 && pendingLeft == 0):
			return count, nil
		case got == 0:
			// The consumer of this fetch starts after pos; what it saw
			// pending when it was made is what the fetch owed.
			if info := cons.CachedInfo(); info == nil || info.NumPending > 0 {
				return count, fmt.Errorf("notify: replay stalled at sequence %d of %d", pos, to)
			}
			return count, nil
		}
	}
}
