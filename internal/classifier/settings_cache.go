package classifier

import (
	"context"
	"sync"
	"time"
)

// DefaultSettingsTTL is how long an Engine keeps a user's settings by
// default: the bound on a change made on another replica reaching this
// one when the invalidation over NATS does not (NATS down).
const DefaultSettingsTTL = 5 * time.Second

// SettingsBroadcaster tells the other replicas that a user's settings
// changed (on NATS: event.Invalidations); they call DropSettings.
type SettingsBroadcaster interface {
	BroadcastSettings(ctx context.Context, userID string) error
}

// settingsCache keeps users' settings for at most ttl, so that a create
// with auto-categorization off costs no read of them. A nil
// *settingsCache caches nothing.
type settingsCache struct {
	ttl time.Duration
	max int

	mu  sync.Mutex
	gen uint64 // bumped by every drop: a read it overtook stores nothing
	m   map[string]cachedSettings
}

type cachedSettings struct {
	set   Settings
	until time.Time
}

func newSettingsCache(ttl time.Duration, max int) *settingsCache {
	if ttl <= 0 {
		return nil
	}
	return &settingsCache{ttl: ttl, max: max, m: map[string]cachedSettings{}}
}

func (c *settingsCache) get(userID string, now time.Time) (Settings, uint64, bool) {
	if c == nil {
		return Settings{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[userID]
	if ok && !now.Before(e.until) {
		delete(c.m, userID)
		ok = false
	}
	return e.set, c.gen, ok
}

func (c *settingsCache) put(gen uint64, set Settings, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // dropped while it was read: it may be from before the change
	}
	if len(c.m) >= c.max {
		for k, e := range c.m { // the expired ones, then any, until a tenth is free
			if !now.Before(e.until) || len(c.m) >= c.max-c.max/10 {
				delete(c.m, k)
			}
		}
	}
	c.m[set.UserID] = cachedSettings{set: set, until: now.Add(c.ttl)}
}

func (c *settingsCache) drop(userID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if userID == "" {
		clear(c.m)
		return
	}
	delete(c.m, userID)
}

// cachedSettings returns the user's settings from the cache, or from the
// store (and keeps them).
func (s *Engine) cachedSettings(ctx context.Context, userID string) (Settings, error) {
	now := s.now()
	set, gen, ok := s.settings.get(userID, now)
	if ok {
		return set, nil
	}
	set, err := s.store.Settings(ctx, userID)
	if err != nil {
		return set, err
	}
	set.UserID = userID
	s.settings.put(gen, set, now)
	return set, nil
}

// DropSettings forgets the cached settings of the user ("": of every
// user). The SettingsBroadcaster's receiving end calls it with the changes
// of other replicas, and with "" when this replica may have missed some.
func (s *Engine) DropSettings(userID string) { s.settings.drop(userID) }

// settingsChanged drops the user's settings here and tells the other
// replicas. A broadcast that fails leaves them stale for at most the TTL:
// it is logged, not returned (the change itself is stored).
func (s *Engine) settingsChanged(ctx context.Context, userID string) {
	s.settings.drop(userID)
	if s.bcast == nil {
		return
	}
	// Not cancelled with the request (a client that goes away must not
	// leave other replicas stale), but bounded.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.bcast.BroadcastSettings(bctx, userID); err != nil {
		s.log.WarnContext(ctx, "classifier_settings_not_broadcast", "err", err, "user_id", userID, "bound", "the other replicas' settings TTL")
	}
}
