package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/trx-platform/trx/internal/envflag"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/telemetry"
)

// DBConfig says where the database is, and how statements on it are
// bounded.
type DBConfig struct {
	DataDir      string // holds the SQLite database when DB is empty
	DB           string // the database URL (--db)
	MaxOpenConns int
	// Statement and JobStatement bound the statements of requests and of
	// background jobs (zero: no limit; trx serve's --db-*statement-timeout).
	Statement, JobStatement sqldb.StatementLimit
	// Tracer, when not nil, gives the statements of traced requests spans.
	Tracer trace.Tracer
}

// DBFlags adds the flags that say where the database is.
func DBFlags(fs *envflag.FlagSet, cfg *DBConfig) {
	fs.StringVar(&cfg.DataDir, "data", "./trx-data", "data directory: holds the SQLite database when --db is empty")
	fs.URLVar(&cfg.DB, "db", "", "database URL: empty for SQLite in --data, sqlite:/path/trx.db, or mysql://user:pass@host:3306/dbname")
	fs.IntVar(&cfg.MaxOpenConns, "db-max-open", 32, "most open database connections (the read pool on SQLite)")
}

// OpenDBOnly opens the database that cfg names, as is (no migration, no
// schema check).
func OpenDBOnly(ctx context.Context, cfg DBConfig) (*sqldb.DB, error) {
	return sqldb.Open(ctx, sqldb.Config{URL: cfg.DB, DataDir: cfg.DataDir, MaxOpen: 4})
}

// OpenDB opens and, if asked, migrates the database that cfg names; it
// refuses a schema that is not up to date.
func OpenDB(ctx context.Context, cfg DBConfig, migrate bool, log *slog.Logger) (*sqldb.DB, error) {
	db, err := sqldb.Open(ctx, sqldb.Config{URL: cfg.DB, DataDir: cfg.DataDir, MaxOpen: cfg.MaxOpenConns,
		Statement: cfg.Statement, JobStatement: cfg.JobStatement, Log: log, Tracer: cfg.Tracer})
	if err != nil {
		return nil, err
	}
	if migrate {
		done, err := db.Migrate(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		for _, m := range done {
			log.Info("migration_applied", "version", m.Version, "name", m.Name)
		}
	}
	if err := db.CheckUpToDate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// NewLogger returns the logger of a command: level debug, info, warn or
// error; format text or json. Lines logged with a traced context carry
// trace_id and span_id; the secrets of URLs in any line (--db, --nats,
// --upstream, --jwks-url, errors quoting them) are hidden.
func NewLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(RedactingHandler{telemetry.LogHandler(slog.NewTextHandler(w, opts))}), nil
	case "json":
		return slog.New(RedactingHandler{telemetry.LogHandler(slog.NewJSONHandler(w, opts))}), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
