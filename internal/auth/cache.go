package auth

import (
	"context"
	"sync"
	"time"
)

// Invalidation says that cached principals are stale: those of one API key
// (KeyID), those of one user (UserID: the user's keys, sessions and token
// identity), one session (SessionID: signed out or revoked), every session
// of one user (SessionsOf: the password changed), or, with All, every one
// (a replica that may have missed invalidations, such as one whose NATS
// connection came back, drops everything).
type Invalidation struct {
	KeyID      string `json:"key_id,omitempty"`
	UserID     string `json:"user_id,omitempty"`
	SessionID  string `json:"session_id,omitempty"`
	SessionsOf string `json:"sessions_of,omitempty"`
	All        bool   `json:"all,omitempty"`
}

// Broadcaster carries invalidations to the other replicas (authnats on
// NATS); they call Service.Apply with each.
type Broadcaster interface {
	Broadcast(ctx context.Context, inv Invalidation) error
}

// invalidations is where a Service sends what changed: the other replicas
// and the watchers of this one.
type invalidations struct {
	bc     Broadcaster // nil: no other replicas (WithBroadcaster)
	failed func(error) // told when a broadcast fails (nil: nobody)

	mu       sync.Mutex // guards watchers and next
	watchers map[int]func(Invalidation)
	next     int
}

// WithBroadcaster makes Invalidate tell the other replicas through b
// (default: none), and failed (when not nil) of each broadcast that failed:
// those replicas then hold the stale principal for at most the cache's TTL.
func WithBroadcaster(b Broadcaster, failed func(error)) Option {
	return func(s *Service) { s.inv.bc, s.inv.failed = b, failed }
}

// Watch calls f with every invalidation this process learns of, its own
// and those of other replicas (the notifier closes the WebSockets of a
// revoked key). f must not block. The returned func stops the calls.
func (s *Service) Watch(f func(Invalidation)) (stop func()) {
	s.inv.mu.Lock()
	defer s.inv.mu.Unlock()
	if s.inv.watchers == nil {
		s.inv.watchers = map[int]func(Invalidation){}
	}
	id := s.inv.next
	s.inv.next++
	s.inv.watchers[id] = f
	return func() {
		s.inv.mu.Lock()
		delete(s.inv.watchers, id)
		s.inv.mu.Unlock()
	}
}

// Invalidate applies inv here and broadcasts it to the other replicas.
func (s *Service) Invalidate(ctx context.Context, inv Invalidation) {
	s.Apply(inv)
	bc, failed := s.inv.bc, s.inv.failed // set once, by NewService
	if bc == nil {
		return
	}
	// Not cancelled with the request that revoked a key (a client that
	// goes away must not leave the key cached on the other replicas), but
	// bounded: a publish that cannot go out is reported, not waited on.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := bc.Broadcast(bctx, inv); err != nil && failed != nil {
		failed(err)
	}
}

// Apply drops the cached principals inv names and tells the watchers. The
// Broadcaster calls it with the invalidations of other replicas.
func (s *Service) Apply(inv Invalidation) {
	s.cache.drop(inv)
	s.inv.mu.Lock()
	ws := make([]func(Invalidation), 0, len(s.inv.watchers))
	for _, f := range s.inv.watchers {
		ws = append(ws, f)
	}
	s.inv.mu.Unlock()
	for _, f := range ws {
		f(inv)
	}
}

// cache holds principals by key digest and users by token identity, each
// for at most ttl. A nil *cache caches nothing.
type cache struct {
	ttl time.Duration
	max int

	mu       sync.Mutex
	gen      uint64 // bumped by every invalidation
	keys     map[string]cachedPrincipal
	idents   map[Identity]cachedUser
	sessions map[string]cachedPrincipal // by the digest of the session's secret
}

type cachedPrincipal struct {
	p     Principal
	until time.Time
}

type cachedUser struct {
	u     User
	until time.Time
}

func newCache(ttl time.Duration, max int) *cache {
	if max <= 0 {
		max = 100_000
	}
	return &cache{ttl: ttl, max: max, keys: map[string]cachedPrincipal{}, idents: map[Identity]cachedUser{},
		sessions: map[string]cachedPrincipal{}}
}

// generation is read before a store lookup and given to put: a lookup
// that an invalidation overtook stores nothing (it may have read the
// state from before the change).
func (c *cache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *cache) key(digest string, now time.Time) (Principal, bool) {
	if c == nil {
		return Principal{}, false
	}
	return c.get(c.keys, digest, now)
}

func (c *cache) putKey(gen uint64, digest string, p Principal, now time.Time) {
	if c != nil {
		c.put(c.keys, gen, digest, p, now)
	}
}

// get returns the live principal of digest in m (c.keys or c.sessions,
// maps made once), dropping an expired one.
func (c *cache) get(m map[string]cachedPrincipal, digest string, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[digest]
	if ok && !now.Before(e.until) {
		delete(m, digest)
		ok = false
	}
	if !ok {
		return Principal{}, false
	}
	return e.p, true
}

// put caches p for digest in m (c.keys or c.sessions), unless an
// invalidation came since gen was read.
func (c *cache) put(m map[string]cachedPrincipal, gen uint64, digest string, p Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(m) >= c.max {
		c.evict(now)
	}
	m[digest] = cachedPrincipal{p: p, until: now.Add(c.ttl)}
}

func (c *cache) identity(id Identity, now time.Time) (User, bool) {
	if c == nil {
		return User{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.idents[id]
	if ok && !now.Before(e.until) {
		delete(c.idents, id)
		ok = false
	}
	if !ok {
		return User{}, false
	}
	return e.u, true
}

func (c *cache) putIdentity(gen uint64, id Identity, u User, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.idents) >= c.max {
		c.evict(now)
	}
	c.idents[id] = cachedUser{u: u, until: now.Add(c.ttl)}
}

// evict drops the expired entries, then arbitrary ones until a tenth of
// the room is free; c.mu is held.
func (c *cache) evict(now time.Time) {
	for k, e := range c.keys {
		if !now.Before(e.until) || len(c.keys) >= c.max-c.max/10 {
			delete(c.keys, k)
		}
	}
	for k, e := range c.idents {
		if !now.Before(e.until) || len(c.idents) >= c.max-c.max/10 {
			delete(c.idents, k)
		}
	}
	for k, e := range c.sessions {
		if !now.Before(e.until) || len(c.sessions) >= c.max-c.max/10 {
			delete(c.sessions, k)
		}
	}
}

func (c *cache) session(digest string, now time.Time) (Principal, bool) {
	if c == nil {
		return Principal{}, false
	}
	return c.get(c.sessions, digest, now)
}

func (c *cache) putSession(gen uint64, digest string, p Principal, now time.Time) {
	if c != nil {
		c.put(c.sessions, gen, digest, p, now)
	}
}

func (c *cache) drop(inv Invalidation) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch {
	case inv.All:
		clear(c.keys)
		clear(c.idents)
		clear(c.sessions)
		return
	case inv.KeyID != "":
		for k, e := range c.keys {
			if e.p.KeyID == inv.KeyID {
				delete(c.keys, k)
			}
		}
	}
	for k, e := range c.sessions {
		if (inv.SessionID != "" && e.p.SessionID == inv.SessionID) || (inv.SessionsOf != "" && e.p.UserID == inv.SessionsOf) ||
			(inv.UserID != "" && e.p.UserID == inv.UserID) {
			delete(c.sessions, k)
		}
	}
	if inv.UserID != "" {
		for k, e := range c.keys {
			if e.p.UserID == inv.UserID {
				delete(c.keys, k)
			}
		}
		for k, e := range c.idents {
			if e.u.ID == inv.UserID {
				delete(c.idents, k)
			}
		}
	}
}

// CacheLen returns how many principals and users the cache holds (for tests
// and metrics).
func (s *Service) CacheLen() int {
	if s.cache == nil {
		return 0
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return len(s.cache.keys) + len(s.cache.idents) + len(s.cache.sessions)
}
