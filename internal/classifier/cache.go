package classifier

import (
	"context"
	"sync"
)

// versioned keeps one value per user built for a version of the user's
// state (compiled rules, known categories, a decoded model): a request that
// finds the version it read from the store reuses the value, and concurrent
// requests for a version nobody built yet wait for one build instead of
// each doing it. It holds at most max users, forgetting an arbitrary one to
// make room.
type versioned[V any] struct {
	mu      sync.Mutex
	max     int
	entries map[string]*built[V]
}

type built[V any] struct {
	version int64
	ready   chan struct{} // closed when val and err are set
	val     V
	err     error
}

func newVersioned[V any](max int) *versioned[V] {
	return &versioned[V]{max: max, entries: map[string]*built[V]{}}
}

// get returns the value for user at version, building it with build if
// there is none.
func (c *versioned[V]) get(ctx context.Context, user string, version int64, build func() (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.entries[user]
	if ok && e.version == version {
		c.mu.Unlock()
		select {
		case <-e.ready:
			return e.val, e.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	if !ok && len(c.entries) >= c.max {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	e = &built[V]{version: version, ready: make(chan struct{})}
	c.entries[user] = e
	c.mu.Unlock()
	e.val, e.err = build()
	close(e.ready)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[user] == e {
			delete(c.entries, user)
		}
		c.mu.Unlock()
	}
	return e.val, e.err
}

// put stores a value built for version (after a change made here, so
// that the next request need not rebuild it).
func (c *versioned[V]) put(user string, version int64, v V) {
	e := &built[V]{version: version, ready: make(chan struct{}), val: v}
	close(e.ready)
	c.mu.Lock()
	if _, ok := c.entries[user]; !ok && len(c.entries) >= c.max {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[user] = e
	c.mu.Unlock()
}

// advance moves the value cached for user from version from to version to,
// changing it in place with change, when that is what is cached (and
// built); otherwise it forgets the user's value, to be rebuilt.
func (c *versioned[V]) advance(user string, from, to int64, change func(V)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[user]
	if !ok {
		return
	}
	select {
	case <-e.ready:
	default:
		delete(c.entries, user) // being built: from what, is not known
		return
	}
	if e.version != from || e.err != nil {
		delete(c.entries, user)
		return
	}
	change(e.val)
	e.version = to
}
