// Package exportsql is export's Source and Sink on trx's SQL database,
// for SQLite and MySQL/MariaDB, in the SQL both engines share. Unlike the
// features' stores it reads and writes the tables of every feature: an
// export is a dump of the installation's data, row for row, and going
// through each feature's store would lose what the stores do not expose
// (key digests, model bytes, who decided a category). The tables and
// columns are export.Spec's; of those, each database reads and writes the
// ones its schema has, so that an older database exports what it holds.
package exportsql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/trx-platform/trx/internal/export"
	"github.com/trx-platform/trx/internal/sqldb"
)

// Store is an export.Source and export.Sink on a database.
type Store struct {
	db *sqldb.DB
}

var (
	_ export.Source = (*Store)(nil)
	_ export.Sink   = (*Store)(nil)
)

// New returns a Store on db.
func New(db *sqldb.DB) *Store { return &Store{db: db} }

// SchemaVersion returns the highest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("exportsql: schema version: %w", err)
	}
	return v, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Columns returns the columns of every table of the database, by table.
func (s *Store) Columns(ctx context.Context) (map[string]map[string]bool, error) {
	return columns(ctx, s.db.Read, s.db.Dialect)
}

func columns(ctx context.Context, q queryer, d sqldb.Dialect) (map[string]map[string]bool, error) {
	query := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`
	if d == sqldb.MySQL {
		query = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = DATABASE()`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("exportsql: read the schema: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]bool{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, fmt.Errorf("exportsql: read the schema: %w", err)
		}
		if out[t] == nil {
			out[t] = map[string]bool{}
		}
		out[t][c] = true
	}
	return out, rows.Err()
}

// Export reads every record in one read-only transaction: on SQLite (WAL)
// a snapshot that writers do not wait for, on MySQL a REPEATABLE READ
// snapshot (InnoDB's consistent read). Rows stream from the database to
// emit one at a time.
func (s *Store) Export(ctx context.Context, userID string, emit func(export.Record) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.db.Dialect == sqldb.MySQL {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.Read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("exportsql: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only; nothing to keep
	schema, err := columns(ctx, tx, s.db.Dialect)
	if err != nil {
		return err
	}
	for _, k := range export.Spec {
		if (userID != "" && k.Global) || schema[k.Table] == nil {
			continue
		}
		if err := exportKind(ctx, tx, k, present(k, schema[k.Table]), userID, emit); err != nil {
			return err
		}
	}
	return nil
}

// present is the columns of k that the table has.
func present(k *export.Kind, have map[string]bool) []*export.Column {
	var cols []*export.Column
	for _, c := range k.Columns {
		if have[c.Name] {
			cols = append(cols, c)
		}
	}
	return cols
}

func exportKind(ctx context.Context, tx *sql.Tx, k *export.Kind, cols []*export.Column, userID string, emit func(export.Record) error) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	q, args := `SELECT `+strings.Join(names, ", ")+` FROM `+k.Table, []any(nil)
	if userID != "" {
		q += ` WHERE ` + k.User + ` = ?`
		args = append(args, userID)
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY `+k.Order, args...)
	if err != nil {
		return fmt.Errorf("exportsql: read %s: %w", k.Table, err)
	}
	defer rows.Close()
	dest := make([]any, len(cols))
	for i, c := range cols {
		dest[i] = target(c.Type)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("exportsql: read %s: %w", k.Table, err)
		}
		vals := make([]any, len(cols))
		for i := range dest {
			vals[i] = valueOf(dest[i])
		}
		if err := emit(export.Record{Kind: k, Columns: cols, Values: vals}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("exportsql: read %s: %w", k.Table, err)
	}
	return nil
}

// target is where a column of type t scans to.
func target(t export.Type) any {
	switch t {
	case export.Int, export.Money, export.Scaled:
		return new(sql.NullInt64)
	case export.Bool:
		return new(sql.NullBool)
	case export.Real:
		return new(sql.NullFloat64)
	case export.Blob:
		return new([]byte)
	}
	return new(sql.NullString)
}

// valueOf is a scanned value as a Record holds it (nil for NULL).
func valueOf(p any) any {
	switch v := p.(type) {
	case *sql.NullString:
		if v.Valid {
			return v.String
		}
	case *sql.NullInt64:
		if v.Valid {
			return v.Int64
		}
	case *sql.NullBool:
		if v.Valid {
			return v.Bool
		}
	case *sql.NullFloat64:
		if v.Valid {
			return v.Float64
		}
	case *[]byte:
		if *v != nil {
			return append([]byte(nil), *v...)
		}
	}
	return nil
}
