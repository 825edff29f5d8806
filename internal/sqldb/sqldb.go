// Package sqldb opens trx's database on either engine — SQLite (the embedded
// default, a file in the data directory) or MySQL/MariaDB — and owns the
// schema migrations of both.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/otel/trace"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Dialect names a database engine.
type Dialect string

// The supported engines.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// DB is an open database. On SQLite, Write is a single connection (SQLite
// allows one writer at a time; queuing in Go is cheaper than busy-waiting in
// the engine) and Read a pool; on MySQL both are the same pool.
type DB struct {
	Dialect Dialect
	Write   *sql.DB
	Read    *sql.DB
	// Where is a description of the database safe to log (no password).
	Where string

	killer *sql.DB // MySQL: the connection KILL QUERY is sent from (see limit.go)
	faults *writeFaults
}

// Config says which database to open.
type Config struct {
	// URL is "" for SQLite in DataDir, "sqlite:PATH" for a SQLite file, or
	// "mysql://user:pass@host:port/db?param=value" for MySQL/MariaDB.
	URL string
	// DataDir holds the default SQLite file, trx.db.
	DataDir string
	// MaxOpen limits open connections (the read pool on SQLite). Default 32.
	MaxOpen int
	// Statement bounds each statement (zero: no limit); JobStatement
	// bounds each statement run under a context marked by Job. See limit.go.
	Statement, JobStatement StatementLimit
	// Log is where a KILL QUERY that failed is told (nil: nowhere).
	Log *slog.Logger
	// Tracer, when set, gives each statement run under a traced context a
	// span of its own (see trace.go).
	Tracer trace.Tracer
}

// Open opens the database that cfg names and checks that it answers.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.MaxOpen <= 0 {
		cfg.MaxOpen = 32
	}
	var (
		db  *DB
		err error
	)
	switch {
	case cfg.URL == "":
		if cfg.DataDir == "" {
			return nil, errors.New("sqldb: no database URL and no data directory")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("sqldb: create data directory: %w", err)
		}
		db, err = openSQLite(filepath.Join(cfg.DataDir, "trx.db"), cfg)
	case strings.HasPrefix(cfg.URL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "sqlite:"), "//")
		if path == "" {
			return nil, errors.New("sqldb: sqlite URL names no file; use sqlite:/path/to/trx.db")
		}
		db, err = openSQLite(path, cfg)
	case strings.HasPrefix(cfg.URL, "mysql://"):
		db, err = openMySQL(cfg.URL, cfg)
	default:
		return nil, fmt.Errorf("sqldb: database URL %q: want mysql://user:pass@host:port/db or sqlite:/path/file.db", redact(cfg.URL))
	}
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqldb: connect to %s: %w", db.Where, err)
	}
	return db, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Write.PingContext(ctx); err != nil {
		return err
	}
	if db.Read != db.Write {
		return db.Read.PingContext(ctx)
	}
	return nil
}

// Close closes the pools.
func (db *DB) Close() error {
	err := db.Write.Close()
	if db.Read != db.Write {
		err = errors.Join(err, db.Read.Close())
	}
	if db.killer != nil {
		err = errors.Join(err, db.killer.Close())
	}
	return err
}

func openSQLite(path string, cfg Config) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqldb: create directory for %s: %w", path, err)
		}
	}
	// busy_timeout lets a second process (trx users add while trx serve runs)
	// wait for the write lock instead of failing; immediate transactions take
	// the write lock up front so that two writers never deadlock on upgrade.
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	probe, err := sql.Open("sqlite", dsn) // opens no connection: it finds the registered driver
	if err != nil {
		return nil, fmt.Errorf("sqldb: open sqlite %s: %w", path, err)
	}
	drv := probe.Driver()
	_ = probe.Close()
	faults := &writeFaults{}
	connector := &classifyingConnector{drv: drv, open: func(context.Context) (driver.Conn, error) { return drv.Open(dsn) }, faults: faults, stmts: stmtCacheSize}
	limited := &limitConnector{inner: connector, l: &limiter{request: cfg.Statement, job: cfg.JobStatement, tracer: cfg.Tracer}}
	w := sql.OpenDB(limited)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r := sql.OpenDB(limited)
	r.SetMaxOpenConns(cfg.MaxOpen)
	r.SetMaxIdleConns(cfg.MaxOpen)
	return &DB{Dialect: SQLite, Write: w, Read: r, Where: "sqlite:" + path, faults: faults}, nil
}

// MySQLConfig parses a mysql:// URL into the driver's configuration.
func MySQLConfig(rawURL string) (*mysql.Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("sqldb: parse database URL %s: %w", redact(rawURL), err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	if dbName == "" || strings.Contains(dbName, "/") {
		return nil, fmt.Errorf("sqldb: database URL %s names no database; add /dbname", redact(rawURL))
	}
	c := mysql.NewConfig()
	c.Net = "tcp"
	c.Addr = u.Host
	if u.Port() == "" {
		c.Addr = u.Host + ":3306"
	}
	c.User = u.User.Username()
	c.Passwd, _ = u.User.Password()
	c.DBName = dbName
	c.ParseTime = false
	c.Params = map[string]string{}
	for k, vs := range u.Query() {
		switch k {
		case "tls":
			c.TLSConfig = vs[0]
		default:
			c.Params[k] = vs[0]
		}
	}
	// Strict SQL mode: MySQL must refuse, never truncate or coerce, bad data.
	c.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY'"
	c.Params["time_zone"] = "'+00:00'"
	c.Collation = "utf8mb4_unicode_ci"
	// Interpolate arguments in the driver (safe with utf8mb4): a query with
	// arguments is then one round trip instead of prepare, execute, close.
	c.InterpolateParams = true
	return c, nil
}

func openMySQL(rawURL string, cfg Config) (*DB, error) {
	c, err := MySQLConfig(rawURL)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(c)
	if err != nil {
		return nil, fmt.Errorf("sqldb: mysql config: %w", err)
	}
	// KILL QUERY goes out on connections of its own: the pool may be full
	// when a statement must be stopped.
	killer := sql.OpenDB(conn)
	killer.SetMaxOpenConns(2)
	killer.SetMaxIdleConns(1)
	killer.SetConnMaxIdleTime(time.Minute)
	lim := &limiter{request: cfg.Statement, job: cfg.JobStatement, mysql: true, killer: killer, log: cfg.log(), tracer: cfg.Tracer}
	faults := &writeFaults{}
	db := sql.OpenDB(&limitConnector{inner: &classifyingConnector{drv: conn.Driver(), open: conn.Connect, faults: faults}, l: lim})
	db.SetMaxOpenConns(cfg.MaxOpen)
	db.SetMaxIdleConns(cfg.MaxOpen)
	db.SetConnMaxLifetime(5 * time.Minute)
	return &DB{Dialect: MySQL, Write: db, Read: db, Where: "mysql://" + c.User + "@" + c.Addr + "/" + c.DBName, killer: killer, faults: faults}, nil
}

// redact hides the password of a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Redact returns raw with any password replaced by "xxxxx", for logs.
func Redact(raw string) string { return redact(raw) }
