package sqldb

import (
	"container/list"
	"context"
	"database/sql/driver"
	"strings"
	"sync"
)

// stmtCacheSize is how many prepared statements each SQLite connection
// keeps.
const stmtCacheSize = 64

// stmtCacheMaxQuery is the longest statement kept (multi-row inserts of
// big batches are long and rarely the same twice).
const stmtCacheMaxQuery = 4 << 10

// stmtCache keeps a connection's prepared statements by their text, so
// that a statement run again skips SQLite's parsing and planning (the
// modernc driver prepares every ExecContext and QueryContext anew: a fifth
// of the CPU of a get by id). It holds the max most recently used; a
// statement whose rows are still open is not handed out twice (the second
// use takes the driver's own path, as without the cache), and one evicted
// meanwhile is closed when its rows are. Errors are always the driver's
// own: a statement that does not prepare takes the driver's path too.
type stmtCache struct {
	max   int
	mu    sync.Mutex
	bySQL map[string]*list.Element // of *cachedStmt
	lru   list.List                // front: the most recently used
}

type cachedStmt struct {
	query   string
	s       driver.Stmt
	busy    bool // handed out: its rows are open
	evicted bool // out of the cache: close it when given back
}

func newStmtCache(max int) *stmtCache {
	return &stmtCache{max: max, bySQL: map[string]*list.Element{}}
}

// cacheable reports whether query may be kept: one statement (the driver
// runs a script statement by statement), not too long.
func cacheable(query string) bool {
	return len(query) <= stmtCacheMaxQuery && !strings.Contains(query, ";")
}

// take returns query's prepared statement on conn, marked busy until
// give, or nil when it must take the driver's path: not cacheable, in use
// already, or not prepared (the driver's path then returns its error).
func (c *stmtCache) take(ctx context.Context, conn driver.Conn, query string) *cachedStmt {
	if !cacheable(query) {
		return nil
	}
	c.mu.Lock()
	if e, ok := c.bySQL[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			c.mu.Unlock()
			return nil
		}
		cs.busy = true
		c.lru.MoveToFront(e)
		c.mu.Unlock()
		return cs
	}
	c.mu.Unlock()
	p, ok := conn.(driver.ConnPrepareContext)
	if !ok {
		return nil
	}
	s, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if _, ok := s.(driver.StmtExecContext); !ok {
		_ = s.Close()
		return nil
	}
	if _, ok := s.(driver.StmtQueryContext); !ok {
		_ = s.Close()
		return nil
	}
	cs := &cachedStmt{query: query, s: s, busy: true}
	var evict []*cachedStmt
	c.mu.Lock()
	c.bySQL[query] = c.lru.PushFront(cs)
	for c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.bySQL, old.query)
		if old.busy {
			old.evicted = true
		} else {
			evict = append(evict, old)
		}
	}
	c.mu.Unlock()
	for _, old := range evict {
		_ = old.s.Close()
	}
	return cs
}

// give takes cs back once its run (or its rows) ended.
func (c *stmtCache) give(cs *cachedStmt) {
	c.mu.Lock()
	cs.busy = false
	closeIt := cs.evicted
	c.mu.Unlock()
	if closeIt {
		_ = cs.s.Close()
	}
}

// close closes the statements (before their connection closes).
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			cs.evicted = true
			continue
		}
		_ = cs.s.Close()
	}
	c.lru.Init()
	clear(c.bySQL)
}

// len is how many statements are kept.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
