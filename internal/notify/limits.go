package notify

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/stock"
)

// Limits bound what one client may cost a node. The zero value of each
// field takes the default in its comment.
type Limits struct {
	MaxSymbols           int           // symbols one connection may subscribe to (10,000)
	MaxSymbolsPerMessage int           // symbols in one subscribe or unsubscribe (1,000)
	MessageRate          float64       // client messages per second, a token bucket per connection (20)
	MessageBurst         int           // its size (100); a client past it is closed with 1008
	ConnsPerCredential   int           // open connections per API key (per user for a JWT) on a node (100)
	ConnsPerIP           int           // open connections per client IP on a node (1,000)
	MaxReplay            uint64        // stream sequences a resume may read; further back: resync_required (100,000)
	SaveDelay            time.Duration // a connection's subscriptions are written to the registry at most this often (1s)
	// ClientIP names the client of an upgrade request (default: the
	// peer's address). Behind a gateway, the one that gateway reported.
	ClientIP func(*http.Request) string
}

func (l *Limits) defaults() {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&l.MaxSymbols, 10_000)
	def(&l.MaxSymbolsPerMessage, 1_000)
	def(&l.MessageBurst, 100)
	def(&l.ConnsPerCredential, 100)
	def(&l.ConnsPerIP, 1_000)
	if l.MessageRate <= 0 {
		l.MessageRate = 20
	}
	if l.MaxReplay == 0 {
		l.MaxReplay = 100_000
	}
	if l.SaveDelay <= 0 {
		l.SaveDelay = time.Second
	}
	if l.ClientIP == nil {
		l.ClientIP = func(r *http.Request) string {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				return r.RemoteAddr
			}
			return host
		}
	}
}

// StatusPolicy (1008) closes a client that sent messages faster than its
// token bucket allows.
const StatusPolicy = websocket.StatusPolicyViolation

// counts is the node's open connections per credential and per client IP.
type counts struct {
	mu    sync.Mutex
	creds map[string]int
	ips   map[string]int
}

// take counts a connection of cred from ip, unless either is at its
// limit: then it returns what to answer the upgrade with (a 429).
func (k *counts) take(l Limits, cred, ip string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.creds == nil {
		k.creds, k.ips = map[string]int{}, map[string]int{}
	}
	switch {
	case k.creds[cred] >= l.ConnsPerCredential:
		return "this credential holds " + strconv.Itoa(l.ConnsPerCredential) + " WebSocket connections on this node, the most it may; close one"
	case k.ips[ip] >= l.ConnsPerIP:
		return "this client address holds " + strconv.Itoa(l.ConnsPerIP) + " WebSocket connections on this node, the most it may; close one"
	}
	k.creds[cred]++
	k.ips[ip]++
	return ""
}

func (k *counts) give(cred, ip string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.creds[cred]--; k.creds[cred] <= 0 {
		delete(k.creds, cred)
	}
	if k.ips[ip]--; k.ips[ip] <= 0 {
		delete(k.ips, ip)
	}
}

// allow takes a token from c's message bucket.
func (c *client) allow() bool {
	if c.bucket == nil {
		l := c.node.cfg.Limits
		c.bucket = rate.NewLimiter(rate.Limit(l.MessageRate), l.MessageBurst)
	}
	return c.bucket.Allow()
}

// subscribe carries out a subscribe or unsubscribe: it checks the symbols
// and the caps, changes c's set, answers with what changed (not the whole
// set, which a client with thousands of symbols would otherwise receive on
// every change) and schedules the registry's write.
func (n *Node) subscribe(ctx context.Context, c *client, req request) {
	l := n.cfg.Limits
	if len(req.Symbols) > l.MaxSymbolsPerMessage {
		c.reply(ctx, errorReply(req.Action, req.ID, "at most "+strconv.Itoa(l.MaxSymbolsPerMessage)+" symbols per message; send several"))
		return
	}
	for _, s := range req.Symbols {
		var v fault.Validation
		stock.CheckSymbol(&v, "symbols", s)
		if v.Err() != nil {
			c.reply(ctx, errorReply(req.Action, req.ID, v.Error()))
			return
		}
	}
	var changed []string
	c.mu.Lock()
	switch {
	case req.Action == "subscribe" && len(req.Symbols) == 0:
		if !c.all {
			changed = []string{"*"}
		}
		c.all, c.symbols = true, map[string]bool{}
	case req.Action == "subscribe":
		added := map[string]bool{}
		for _, s := range req.Symbols {
			if !c.symbols[s] || c.all {
				added[s] = true
			}
		}
		base := len(c.symbols)
		if c.all {
			base = 0
		}
		if base+len(added) > l.MaxSymbols {
			c.mu.Unlock()
			c.reply(ctx, errorReply(req.Action, req.ID, "a connection subscribes to at most "+strconv.Itoa(l.MaxSymbols)+
				" symbols (or to all of them: subscribe with no symbols)"))
			return
		}
		if c.all {
			c.all, c.symbols = false, map[string]bool{}
		}
		for s := range added {
			c.symbols[s] = true
			changed = append(changed, s)
		}
	case len(req.Symbols) == 0:
		if c.all {
			changed = []string{"*"}
		}
		for s := range c.symbols {
			changed = append(changed, s)
		}
		c.all, c.symbols = false, map[string]bool{}
	case c.all:
		c.mu.Unlock()
		c.reply(ctx, errorReply(req.Action, req.ID, "subscribed to all symbols: subscribe to a list first, or unsubscribe with no symbols to stop all"))
		return
	default:
		for _, s := range req.Symbols {
			if c.symbols[s] {
				delete(c.symbols, s)
				changed = append(changed, s)
			}
		}
	}
	all, count := c.all, len(c.symbols)
	if len(changed) > 0 {
		c.scheduleSave()
	}
	c.mu.Unlock()
	sort.Strings(changed)
	changed = slices.Compact(changed)
	if changed == nil {
		changed = []string{}
	}
	c.reply(ctx, map[string]any{"type": req.Action + "d", "id": req.ID, "changed": changed, "count": count, "all": all})
}

// scheduleSave writes c's subscriptions to the registry after SaveDelay,
// once however many changes come meanwhile; c.mu must be held.
func (c *client) scheduleSave() {
	if c.saving != nil || c.closed {
		return
	}
	c.saving = time.AfterFunc(c.node.cfg.Limits.SaveDelay, func() {
		c.mu.Lock()
		c.saving = nil
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return // its row goes with the disconnect
		}
		if err := c.node.registry.SetSubscriptions(c.node.ctx, c.id, c.subscriptions()); err != nil && c.node.ctx.Err() == nil {
			c.node.log.Warn("notify_subscriptions_not_saved", "err", err, "connection_id", c.id)
		}
	})
}
