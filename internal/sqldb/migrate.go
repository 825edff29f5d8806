package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one versioned schema change.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

// MigrationStatus is a migration and whether and when it was applied.
type MigrationStatus struct {
	Version   int
	Name      string
	AppliedAt string // empty if pending
}

// ErrSchemaTooNew means the database was migrated by a newer trx.
var ErrSchemaTooNew = errors.New("database schema is newer than this trx binary")

// ErrSchemaOutOfDate means migrations are pending.
var ErrSchemaOutOfDate = errors.New("database schema is out of date; run trx migrate")

// Migrations returns the embedded migrations of a dialect, in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqldb: read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqldb: migration file %s: want NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("sqldb: read migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: rest, Statements: SplitStatements(string(body))})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("sqldb: %s migrations: version %d where %d was expected", d, m.Version, i+1)
		}
	}
	return ms, nil
}

// SplitStatements splits a migration file into statements: each ends with a
// ';' at the end of a line, except inside a CREATE TRIGGER … END; block.
// Lines that are only a "--" comment are dropped.
func SplitStatements(src string) []string {
	var (
		out     []string
		cur     strings.Builder
		inBlock bool
	)
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "--")) {
			continue
		}
		upper := strings.ToUpper(trimmed)
		if strings.HasPrefix(upper, "CREATE TRIGGER") {
			inBlock = true
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		end := strings.HasSuffix(trimmed, ";")
		if inBlock {
			end = upper == "END;"
		}
		if end {
			stmt := strings.TrimSpace(cur.String())
			if !inBlock {
				stmt = strings.TrimSuffix(stmt, ";")
			}
			out = append(out, stmt)
			cur.Reset()
			inBlock = false
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, strings.TrimSuffix(s, ";"))
	}
	return out
}

const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	applied_at CHAR(27) NOT NULL
)`

// Status lists every migration this binary knows and when each was applied.
// It fails with ErrSchemaTooNew if the database holds a version this binary
// does not know.
func (db *DB) Status(ctx context.Context) ([]MigrationStatus, error) {
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	applied, err := db.applied(ctx, db.Write)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, len(ms))
	for i, m := range ms {
		out[i] = MigrationStatus{Version: m.Version, Name: m.Name, AppliedAt: applied[m.Version]}
	}
	if err := checkNotNewer(applied, len(ms)); err != nil {
		return out, err
	}
	return out, nil
}

// CheckUpToDate returns ErrSchemaTooNew or ErrSchemaOutOfDate unless every
// known migration, and no other, is applied.
func (db *DB) CheckUpToDate(ctx context.Context) error {
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		if s.AppliedAt == "" {
			return fmt.Errorf("%w: migration %d (%s) is pending", ErrSchemaOutOfDate, s.Version, s.Name)
		}
	}
	return nil
}

func checkNotNewer(applied map[int]string, latest int) error {
	for v := range applied {
		if v > latest {
			return fmt.Errorf("%w: the database is at version %d, this binary knows up to %d; upgrade trx (never run an older trx against a newer database)",
				ErrSchemaTooNew, v, latest)
		}
	}
	return nil
}

func (db *DB) applied(ctx context.Context, q queryer) (map[int]string, error) {
	if _, err := q.ExecContext(ctx, createVersionTable); err != nil {
		return nil, fmt.Errorf("sqldb: create schema_migrations: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("sqldb: read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var (
			v  int
			at string
		)
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("sqldb: read schema_migrations: %w", err)
		}
		out[v] = at
	}
	return out, rows.Err()
}

type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Migrate applies every pending migration in order and returns the ones it
// applied. Concurrent trx processes are serialized (a named lock on MySQL,
// the write lock on SQLite), so two replicas starting at once are safe.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	ctx = Unlimited(ctx) // an ALTER of a large table may take long: no statement limit
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	conn, err := db.Write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrate: %w", err)
	}
	defer conn.Close()
	if db.Dialect == MySQL {
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK('trx_schema_migrations', 120)`).Scan(&got); err != nil {
			return nil, fmt.Errorf("sqldb: migrate: take lock: %w", err)
		}
		if got.Int64 != 1 {
			return nil, errors.New("sqldb: migrate: another process held the migration lock for 120 s")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `DO RELEASE_LOCK('trx_schema_migrations')`) //nolint:errcheck // released with the connection anyway
	}
	applied, err := db.applied(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := checkNotNewer(applied, len(ms)); err != nil {
		return nil, err
	}
	var done []Migration
	for _, m := range ms {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		if err := db.apply(ctx, conn, m); err != nil {
			return done, err
		}
		done = append(done, m)
	}
	return done, nil
}

// apply runs one migration. On SQLite it is one transaction. MySQL commits
// each DDL statement implicitly, so a failure part-way leaves the statements
// before it applied; the error names the statement, and migrations are
// written so that the fix is to correct the cause and run them again.
func (db *DB) apply(ctx context.Context, conn *sql.Conn, m Migration) error {
	record := func(q queryer) error {
		_, err := q.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, FormatTime(time.Now()))
		return err
	}
	if db.Dialect == SQLite {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqldb: migration %d: %w", m.Version, err)
		}
		defer tx.Rollback() //nolint:errcheck // no-op after commit
		for i, s := range m.Statements {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("sqldb: migration %d (%s) statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		if err := record(tx); err != nil {
			return fmt.Errorf("sqldb: migration %d: record: %w", m.Version, err)
		}
		return tx.Commit()
	}
	for i, s := range m.Statements {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sqldb: migration %d (%s) statement %d: %w", m.Version, m.Name, i+1, err)
		}
	}
	if err := record(conn); err != nil {
		return fmt.Errorf("sqldb: migration %d: record: %w", m.Version, err)
	}
	return nil
}
