package notify

import (
	"context"
	"time"

	"github.com/coder/websocket"

	"github.com/trx-platform/trx/internal/auth"
)

// Close codes of a connection whose credential stopped being valid.
const (
	// StatusRevoked closes the connections of an API key that was revoked
	// (or of a user whose principals were invalidated), on every node,
	// when the invalidation reaches it.
	StatusRevoked websocket.StatusCode = 4003
	// StatusExpired closes a connection when its credential expires: the
	// JWT's exp, or the API key's expires_at.
	StatusExpired websocket.StatusCode = 4004
)

// Credentials is where a node hears that credentials stopped being
// valid; *auth.Service is one (its invalidations come from every replica
// through authnats).
type Credentials interface {
	// Watch calls f with every invalidation until stop is called.
	Watch(f func(auth.Invalidation)) (stop func())
	// LiveKeys reports which of the keys named are neither revoked nor
	// expired.
	LiveKeys(ctx context.Context, ids []string) (map[string]bool, error)
}

// Invalidated closes the connections that inv makes invalid: those of the
// revoked key, of the ended session (or every session of a user whose
// password changed), or of the user, with StatusRevoked. After an invalidation
// of everything (this process may have missed some: its NATS connection
// came back), every connection's key is checked again (Credentials.
// LiveKeys, one query). It does not block; Run makes the node watch
// Config.Credentials with it.
func (n *Node) Invalidated(inv auth.Invalidation) {
	if inv.All {
		live := n.cfg.Credentials
		if live == nil || n.ctx == nil || n.stopping.Load() {
			return
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.recheck(n.ctx, live)
		}()
		return
	}
	n.hub.each(func(c *client) {
		if (inv.KeyID != "" && c.keyID == inv.KeyID) || (inv.UserID != "" && c.userID == inv.UserID) ||
			(inv.SessionID != "" && c.sessionID == inv.SessionID) || (inv.SessionsOf != "" && c.sessionID != "" && c.userID == inv.SessionsOf) {
			c.close(StatusRevoked, "the credential was revoked")
		}
	})
}

// recheck closes the connections whose key is no longer live.
func (n *Node) recheck(ctx context.Context, live Credentials) {
	var ids []string
	seen := map[string]bool{}
	n.hub.each(func(c *client) {
		if c.keyID != "" && !seen[c.keyID] {
			seen[c.keyID] = true
			ids = append(ids, c.keyID)
		}
	})
	if len(ids) == 0 {
		return
	}
	ok, err := live.LiveKeys(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			n.log.Warn("notify_credentials_recheck_failed", "err", err)
		}
		return
	}
	n.hub.each(func(c *client) {
		if c.keyID != "" && !ok[c.keyID] {
			c.close(StatusRevoked, "the credential was revoked")
		}
	})
}

// expireAt closes c when its credential expires; c.mu must not be held.
func (c *client) expireAt(at time.Time) {
	if at.IsZero() {
		return
	}
	t := time.AfterFunc(time.Until(at), func() {
		c.close(StatusExpired, "the credential expired; reconnect with a new one")
	})
	c.mu.Lock()
	c.expiry = t
	c.mu.Unlock()
}
