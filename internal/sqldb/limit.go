package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/trx-platform/trx/internal/fault"
)

// Every statement of trx runs under a time limit (Config.Statement, or
// Config.JobStatement under a context marked by Job) and stops when its
// caller's context ends:
//
//   - On MariaDB the session variable max_statement_time, and on MySQL
//     max_execution_time (which covers SELECTs only), hold the limit: the
//     server stops the statement itself and the connection stays usable.
//     The flavour is read from VERSION() on each new connection, and the
//     variable is set again only when a statement wants another limit
//     than its connection has.
//   - Behind it, on both, the statement's context gets a deadline a little
//     past the limit; and when that context ends (the limit, a request's
//     deadline, a client that went away) while the statement runs, KILL
//     QUERY is sent from a connection of its own. The driver only closes
//     its socket on a cancelled context, and the server would go on
//     running the statement for nobody (it does not notice a closed
//     socket until it writes a result).
//   - On SQLite the deadline is the limit: the driver interrupts the
//     statement (sqlite3_interrupt) when its context ends.
//
// A statement stopped at its limit fails with a fault.Timeout error (504)
// whose message names the limit and what sets it; one stopped by a
// request's deadline takes that deadline's cause when it is a fault
// (web.Deadline's names --request-timeout).

// StatementLimit bounds how long one statement may run.
type StatementLimit struct {
	Timeout time.Duration // zero: no limit
	// Name says what sets the limit, for the error of a statement past it
	// (a flag: "--db-statement-timeout").
	Name string
}

// ErrStatementTimeout is in the chain of the error of a statement stopped
// at its limit.
var ErrStatementTimeout = errors.New("sqldb: statement stopped at its time limit")

type limitKind int

const (
	limitRequest limitKind = iota // the zero value: Config.Statement
	limitJob
	limitNone
)

type limitKey struct{}

// Job marks ctx as a background job's: its statements run under
// Config.JobStatement instead of Config.Statement.
func Job(ctx context.Context) context.Context { return context.WithValue(ctx, limitKey{}, limitJob) }

// Unlimited marks ctx so that its statements run without a time limit
// (migrations: an ALTER TABLE of a large table may take long). They still
// stop when ctx ends.
func Unlimited(ctx context.Context) context.Context {
	return context.WithValue(ctx, limitKey{}, limitNone)
}

// limiter holds the limits of a DB and, on MySQL, how to kill a statement.
type limiter struct {
	request, job StatementLimit
	mysql        bool
	killer       *sql.DB // MySQL: the pool KILL QUERY is sent from
	log          *slog.Logger
	tracer       trace.Tracer // the statements' spans (nil: none; see trace.go)
}

func (cfg Config) log() *slog.Logger {
	if cfg.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return cfg.Log
}

func (l *limiter) limitFor(ctx context.Context) StatementLimit {
	k, _ := ctx.Value(limitKey{}).(limitKind)
	switch k {
	case limitJob:
		return l.job
	case limitNone:
		return StatementLimit{}
	}
	return l.request
}

// kill stops the statement running on the server connection id, if any.
func (l *limiter) kill(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.killer.ExecContext(ctx, "KILL QUERY "+strconv.FormatInt(id, 10)); err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1094 { // ER_NO_SUCH_THREAD: it ended on its own
			return
		}
		l.log.Warn("db_kill_query_failed", "connection_id", id, "err", err)
	}
}

// backstop is how far past the limit the client gives up on MySQL, where
// the server enforces the limit itself (and MySQL only for SELECTs).
func backstop(d time.Duration) time.Duration { return d + d/10 + time.Second }

// limitCause is the cause of a statement context that reached its limit.
type limitCause struct{ lim StatementLimit }

func (c *limitCause) Error() string { return "statement time limit" }

// timeoutError is the error of a statement stopped at lim.
func timeoutError(lim StatementLimit, err error) error {
	by := ""
	if lim.Name != "" {
		by = ", set by " + lim.Name
	}
	return &fault.Error{Kind: fault.Timeout, Err: fmt.Errorf("%w: %w", ErrStatementTimeout, err),
		Msg: fmt.Sprintf("a database statement ran past its time limit of %s%s and was stopped; "+
			"narrow the request (a filter, a shorter date range, a smaller page) or ask the operator to raise the limit", lim.Timeout, by)}
}

// explain returns err as the caller should see it: a timeout of a
// statement stopped at lim, or by the deadline of ctx whose cause is a
// fault.Timeout, as that; anything else as it is.
func explain(ctx context.Context, lim StatementLimit, err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, driver.ErrSkip) {
		return err
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) && (me.Number == 1969 || me.Number == 3024) { // max_statement_time, max_execution_time
		return timeoutError(lim, err)
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err // done in time, or cancelled: the caller went away
	}
	cause := context.Cause(ctx)
	if c := (*limitCause)(nil); errors.As(cause, &c) {
		return timeoutError(c.lim, err)
	}
	if fault.KindOf(cause) == fault.Timeout {
		return &fault.Error{Kind: fault.Timeout, Msg: fault.Message(cause), Err: err}
	}
	return err
}

// limitConnector opens connections through inner and puts them under the
// limiter.
type limitConnector struct {
	inner driver.Connector
	l     *limiter
}

func (c *limitConnector) Driver() driver.Driver { return c.inner.Driver() }

func (c *limitConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	lc := &limitConn{c: conn, l: c.l, cur: -1}
	if c.l.mysql {
		if err := lc.identify(ctx); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return lc, nil
}

// limitConn is one connection under the limiter.
type limitConn struct {
	c  driver.Conn
	l  *limiter
	id int64 // MySQL: the server's connection id
	// mariaDB: the server is MariaDB (max_statement_time), else MySQL
	// (max_execution_time).
	mariaDB bool
	cur     time.Duration // the limit the session holds (-1: not set yet)
	bad     atomic.Bool   // a KILL QUERY may have reached it: not to be reused
}

// identify reads the server's id of the connection and its flavour.
func (c *limitConn) identify(ctx context.Context) error {
	q, ok := c.c.(driver.QueryerContext)
	if !ok {
		return errors.New("sqldb: the MySQL driver cannot query on a connection")
	}
	rows, err := q.QueryContext(ctx, "SELECT CONNECTION_ID(), VERSION()", nil)
	if err != nil {
		return fmt.Errorf("sqldb: connection id: %w", err)
	}
	defer rows.Close()
	vals := make([]driver.Value, 2)
	if err := rows.Next(vals); err != nil {
		return fmt.Errorf("sqldb: connection id: %w", err)
	}
	switch v := vals[0].(type) {
	case int64:
		c.id = v
	case uint64:
		c.id = int64(v)
	case []byte:
		c.id, err = strconv.ParseInt(string(v), 10, 64)
	default:
		err = fmt.Errorf("unexpected type %T", v)
	}
	if err != nil {
		return fmt.Errorf("sqldb: connection id: %w", err)
	}
	version := fmt.Sprint(vals[1])
	if b, ok := vals[1].([]byte); ok {
		version = string(b)
	}
	c.mariaDB = strings.Contains(strings.ToLower(version), "mariadb")
	return nil
}

// setSession makes the session's server-side limit d.
func (c *limitConn) setSession(ctx context.Context, d time.Duration) error {
	if c.cur == d {
		return nil
	}
	e, ok := c.c.(driver.ExecerContext)
	if !ok {
		return errors.New("sqldb: the MySQL driver cannot execute on a connection")
	}
	var q string
	if c.mariaDB {
		q = "SET SESSION max_statement_time = " + strconv.FormatFloat(d.Seconds(), 'f', 6, 64)
	} else {
		ms := d.Milliseconds()
		if d > 0 && ms == 0 {
			ms = 1
		}
		q = "SET SESSION max_execution_time = " + strconv.FormatInt(ms, 10)
	}
	if _, err := e.ExecContext(ctx, q, nil); err != nil {
		return fmt.Errorf("sqldb: set the statement time limit: %w", err)
	}
	c.cur = d
	return nil
}

// start prepares a statement's run: the session's limit, the statement's
// context, and the watch that kills it on the server when that context
// ends first. finish must be called when the statement is done (for a
// query: when its rows are closed) with its error, which it explains.
func (c *limitConn) start(ctx context.Context, query string) (sctx context.Context, finish func(error) error, err error) {
	lim := c.l.limitFor(ctx)
	ctx, endSpan := span(ctx, c.l.tracer, c.system(), query)
	if c.l.mysql {
		if err := c.setSession(ctx, lim.Timeout); err != nil {
			endSpan(err)
			return nil, nil, err
		}
	}
	sctx, cancel := ctx, context.CancelFunc(func() {})
	if lim.Timeout > 0 {
		d := lim.Timeout
		if c.l.mysql {
			d = backstop(d)
		}
		sctx, cancel = context.WithTimeoutCause(ctx, d, &limitCause{lim})
	}
	stop := func() bool { return true }
	if c.l.mysql && sctx.Done() != nil {
		id := c.id
		stop = context.AfterFunc(sctx, func() { c.l.kill(id) })
	}
	var once sync.Once
	return sctx, func(err error) error {
		once.Do(func() {
			if !stop() {
				c.bad.Store(true) // killed, or about to be: the driver has dropped it anyway
			}
			err = explain(sctx, lim, err)
			cancel()
			endSpan(err)
		})
		return err
	}, nil
}

// system is the database system of the connection, for its spans.
func (c *limitConn) system() attribute.KeyValue {
	switch {
	case !c.l.mysql:
		return semconv.DBSystemNameSQLite
	case c.mariaDB:
		return semconv.DBSystemNameMariaDB
	}
	return semconv.DBSystemNameMySQL
}

func (c *limitConn) Prepare(query string) (driver.Stmt, error) {
	s, err := c.c.Prepare(query)
	if err != nil {
		return nil, err
	}
	return &limitStmt{s: s, conn: c, query: query}, nil
}

func (c *limitConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	p, ok := c.c.(driver.ConnPrepareContext)
	if !ok {
		return c.Prepare(query)
	}
	s, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &limitStmt{s: s, conn: c, query: query}, nil
}

func (c *limitConn) Close() error { return c.c.Close() }

func (c *limitConn) Begin() (driver.Tx, error) {
	//lint:ignore SA1019 the fallback database/sql itself uses for a driver without ConnBeginTx
	return c.c.Begin()
}

// BeginTx passes the caller's context as it is: a driver may keep it for
// the transaction (modernc.org/sqlite's COMMIT waits for a lock under it),
// so it must not end with the BEGIN. Its statements are bounded one by one.
func (c *limitConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.c.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Begin()
}

func (c *limitConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.c.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares instead
	}
	sctx, finish, err := c.start(ctx, query)
	if err != nil {
		return nil, err
	}
	r, err := e.ExecContext(sctx, query, args)
	return r, finish(err)
}

func (c *limitConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.c.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	sctx, finish, err := c.start(ctx, query)
	if err != nil {
		return nil, err
	}
	r, err := q.QueryContext(sctx, query, args)
	if err != nil {
		return nil, finish(err)
	}
	return &limitRows{r: r, finish: finish}, nil
}

func (c *limitConn) Ping(ctx context.Context) error {
	if p, ok := c.c.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *limitConn) ResetSession(ctx context.Context) error {
	if c.bad.Load() {
		return driver.ErrBadConn
	}
	if r, ok := c.c.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *limitConn) IsValid() bool {
	if c.bad.Load() {
		return false
	}
	if v, ok := c.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *limitConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.c.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// limitStmt is a prepared statement on a limitConn: each run is bounded.
type limitStmt struct {
	s     driver.Stmt
	conn  *limitConn
	query string
}

func (s *limitStmt) Close() error  { return s.s.Close() }
func (s *limitStmt) NumInput() int { return s.s.NumInput() }

func (s *limitStmt) Exec(args []driver.Value) (driver.Result, error) {
	//lint:ignore SA1019 the fallback database/sql itself uses for a driver without StmtExecContext
	return s.s.Exec(args)
}

func (s *limitStmt) Query(args []driver.Value) (driver.Rows, error) {
	//lint:ignore SA1019 the fallback database/sql itself uses for a driver without StmtQueryContext
	return s.s.Query(args)
}

func (s *limitStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.s.(driver.StmtExecContext)
	if !ok {
		vs, err := plainValues(args)
		if err != nil {
			return nil, err
		}
		return s.Exec(vs)
	}
	sctx, finish, err := s.conn.start(ctx, s.query)
	if err != nil {
		return nil, err
	}
	r, err := e.ExecContext(sctx, args)
	return r, finish(err)
}

func (s *limitStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.s.(driver.StmtQueryContext)
	if !ok {
		vs, err := plainValues(args)
		if err != nil {
			return nil, err
		}
		return s.Query(vs)
	}
	sctx, finish, err := s.conn.start(ctx, s.query)
	if err != nil {
		return nil, err
	}
	r, err := q.QueryContext(sctx, args)
	if err != nil {
		return nil, finish(err)
	}
	return &limitRows{r: r, finish: finish}, nil
}

func (s *limitStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.s.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return s.conn.CheckNamedValue(nv)
}

// plainValues turns positional arguments back into the values of the
// legacy Stmt methods (a named one cannot go there).
func plainValues(args []driver.NamedValue) ([]driver.Value, error) {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, driver.ErrSkip
		}
		out[i] = a.Value
	}
	return out, nil
}

// limitRows are a query's rows: the statement is done when they close.
type limitRows struct {
	r      driver.Rows
	finish func(error) error
}

func (r *limitRows) Columns() []string { return r.r.Columns() }

func (r *limitRows) Close() error {
	err := r.r.Close()
	_ = r.finish(nil)
	return err
}

func (r *limitRows) Next(dest []driver.Value) error {
	err := r.r.Next(dest)
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	return r.finish(err)
}

func (r *limitRows) HasNextResultSet() bool {
	n, ok := r.r.(driver.RowsNextResultSet)
	return ok && n.HasNextResultSet()
}

func (r *limitRows) NextResultSet() error {
	if n, ok := r.r.(driver.RowsNextResultSet); ok {
		return n.NextResultSet()
	}
	return io.EOF
}

func (r *limitRows) ColumnTypeScanType(i int) reflect.Type {
	if c, ok := r.r.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *limitRows) ColumnTypeDatabaseTypeName(i int) string {
	if c, ok := r.r.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *limitRows) ColumnTypeLength(i int) (int64, bool) {
	if c, ok := r.r.(driver.RowsColumnTypeLength); ok {
		return c.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *limitRows) ColumnTypeNullable(i int) (bool, bool) {
	if c, ok := r.r.(driver.RowsColumnTypeNullable); ok {
		return c.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *limitRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if c, ok := r.r.(driver.RowsColumnTypePrecisionScale); ok {
		return c.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
