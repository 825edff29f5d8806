package sqldb

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
)

// The pools of a DB sit on a driver wrapper that passes every call through
// and returns each error through Classify: the one place where a driver or
// I/O error becomes fault.Unavailable, for every store alike. It keeps the
// optional interfaces that database/sql looks for (context methods, named
// value checks, session reset), so the drivers behave as without it.

// classifyingConnector opens connections with open and wraps them.
type classifyingConnector struct {
	open   func(ctx context.Context) (driver.Conn, error)
	drv    driver.Driver
	faults *writeFaults // told of every error that says the database cannot write
	// stmts, when positive, gives each connection a cache of that many
	// prepared statements (stmtcache.go; SQLite, whose driver prepares
	// every statement anew).
	stmts int
}

func (c *classifyingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.open(ctx)
	if err != nil {
		return nil, c.faults.classify(err)
	}
	cc := &classifyingConn{c: conn, f: c.faults}
	if c.stmts > 0 {
		cc.stmts = newStmtCache(c.stmts)
	}
	return cc, nil
}

func (c *classifyingConnector) Driver() driver.Driver { return c.drv }

type classifyingConn struct {
	c     driver.Conn
	f     *writeFaults
	stmts *stmtCache // nil: none
}

func (c *classifyingConn) Prepare(query string) (driver.Stmt, error) {
	s, err := c.c.Prepare(query)
	if err != nil {
		return nil, c.f.classify(err)
	}
	return &classifyingStmt{s: s, conn: c.c, f: c.f}, nil
}

func (c *classifyingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	p, ok := c.c.(driver.ConnPrepareContext)
	if !ok {
		return c.Prepare(query)
	}
	s, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, c.f.classify(err)
	}
	return &classifyingStmt{s: s, conn: c.c, f: c.f}, nil
}

func (c *classifyingConn) Close() error {
	if c.stmts != nil {
		c.stmts.close()
	}
	return c.c.Close()
}

func (c *classifyingConn) Begin() (driver.Tx, error) {
	//lint:ignore SA1019 the fallback database/sql itself uses for a driver without ConnBeginTx
	t, err := c.c.Begin()
	if err != nil {
		return nil, c.f.classify(err)
	}
	return &classifyingTx{t: t, f: c.f}, nil
}

func (c *classifyingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.c.(driver.ConnBeginTx)
	if !ok {
		return c.Begin()
	}
	t, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, c.f.classify(err)
	}
	return &classifyingTx{t: t, f: c.f}, nil
}

func (c *classifyingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.stmts != nil {
		if cs := c.stmts.take(ctx, c.c, query); cs != nil {
			r, err := cs.s.(driver.StmtExecContext).ExecContext(ctx, args)
			c.stmts.give(cs)
			return r, c.f.classify(err)
		}
	}
	e, ok := c.c.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares instead
	}
	r, err := e.ExecContext(ctx, query, args)
	return r, c.f.classify(err)
}

func (c *classifyingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.stmts != nil {
		if cs := c.stmts.take(ctx, c.c, query); cs != nil {
			r, err := cs.s.(driver.StmtQueryContext).QueryContext(ctx, args)
			if err != nil {
				c.stmts.give(cs)
				return nil, c.f.classify(err)
			}
			return &classifyingRows{r: r, done: func() { c.stmts.give(cs) }}, nil
		}
	}
	q, ok := c.c.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	r, err := q.QueryContext(ctx, query, args)
	if err != nil {
		return nil, c.f.classify(err)
	}
	return &classifyingRows{r: r}, nil
}

func (c *classifyingConn) Ping(ctx context.Context) error {
	if p, ok := c.c.(driver.Pinger); ok {
		return c.f.classify(p.Ping(ctx))
	}
	return nil
}

func (c *classifyingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.c.(driver.SessionResetter); ok {
		return r.ResetSession(ctx) // driver.ErrBadConn as it is: database/sql compares it
	}
	return nil
}

func (c *classifyingConn) IsValid() bool {
	if v, ok := c.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *classifyingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.c.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type classifyingStmt struct {
	s    driver.Stmt
	conn driver.Conn
	f    *writeFaults
}

func (s *classifyingStmt) Close() error  { return s.s.Close() }
func (s *classifyingStmt) NumInput() int { return s.s.NumInput() }

func (s *classifyingStmt) Exec(args []driver.Value) (driver.Result, error) {
	//lint:ignore SA1019 the fallback database/sql itself uses for a driver without StmtExecContext
	r, err := s.s.Exec(args)
	return r, s.f.classify(err)
}

func (s *classifyingStmt) Query(args []driver.Value) (driver.Rows, error) {
	//lint:ignore SA1019 the fallback database/sql itself uses for a driver without StmtQueryContext
	r, err := s.s.Query(args)
	if err != nil {
		return nil, s.f.classify(err)
	}
	return &classifyingRows{r: r}, nil
}

func (s *classifyingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.s.(driver.StmtExecContext)
	if !ok {
		vs, err := values(args)
		if err != nil {
			return nil, err
		}
		return s.Exec(vs)
	}
	r, err := e.ExecContext(ctx, args)
	return r, s.f.classify(err)
}

func (s *classifyingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.s.(driver.StmtQueryContext)
	if !ok {
		vs, err := values(args)
		if err != nil {
			return nil, err
		}
		return s.Query(vs)
	}
	r, err := q.QueryContext(ctx, args)
	if err != nil {
		return nil, s.f.classify(err)
	}
	return &classifyingRows{r: r}, nil
}

// CheckNamedValue asks the statement, then its connection, as database/sql
// would without the wrapper.
func (s *classifyingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.s.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	if n, ok := s.conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func values(args []driver.NamedValue) ([]driver.Value, error) {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, driver.ErrSkip
		}
		out[i] = a.Value
	}
	return out, nil
}

type classifyingTx struct {
	t driver.Tx
	f *writeFaults
}

func (t *classifyingTx) Commit() error   { return t.f.classify(t.t.Commit()) }
func (t *classifyingTx) Rollback() error { return t.f.classify(t.t.Rollback()) }

type classifyingRows struct {
	r    driver.Rows
	done func() // called once the rows are closed (a cached statement's)
}

func (r *classifyingRows) Columns() []string { return r.r.Columns() }

func (r *classifyingRows) Close() error {
	err := r.r.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}

// Next returns io.EOF as it is (the end of the rows, not a failure).
func (r *classifyingRows) Next(dest []driver.Value) error { return Classify(r.r.Next(dest)) }

func (r *classifyingRows) HasNextResultSet() bool {
	n, ok := r.r.(driver.RowsNextResultSet)
	return ok && n.HasNextResultSet()
}

func (r *classifyingRows) NextResultSet() error {
	if n, ok := r.r.(driver.RowsNextResultSet); ok {
		return Classify(n.NextResultSet())
	}
	return io.EOF
}

func (r *classifyingRows) ColumnTypeScanType(i int) reflect.Type {
	if c, ok := r.r.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *classifyingRows) ColumnTypeDatabaseTypeName(i int) string {
	if c, ok := r.r.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *classifyingRows) ColumnTypeLength(i int) (int64, bool) {
	if c, ok := r.r.(driver.RowsColumnTypeLength); ok {
		return c.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *classifyingRows) ColumnTypeNullable(i int) (bool, bool) {
	if c, ok := r.r.(driver.RowsColumnTypeNullable); ok {
		return c.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *classifyingRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if c, ok := r.r.(driver.RowsColumnTypePrecisionScale); ok {
		return c.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
