package exportsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/trx-platform/trx/internal/export"
)

// batchRows is how many rows one INSERT carries: few round trips on MySQL,
// far below both engines' limits on placeholders.
const batchRows = 200

// Import stores the records in one transaction, in batched multi-row
// INSERTs, after checking that the installation has no user and no stock.
// A column the file lacks (it came from an older schema) is left out of
// the INSERT, so it takes its default. Inserting stocks fires the change
// capture triggers: each imported stock is a new listing on the event
// stream.
func (s *Store) Import(ctx context.Context, next func() (export.Record, error)) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("exportsql: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	for _, t := range []string{"users", "stocks"} {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return fmt.Errorf("exportsql: count %s: %w", t, err)
		}
		if n > 0 {
			return fmt.Errorf("%w: it has %d %s; import into a new data directory or an empty database (migrated, and never served: trx serve creates the user admin on its first start)",
				export.ErrNotEmpty, n, t)
		}
	}
	schema, err := columns(ctx, tx, s.db.Dialect)
	if err != nil {
		return err
	}
	var b batch
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := fits(r, schema[r.Kind.Table]); err != nil {
			return err
		}
		if !b.same(r) {
			if err := b.flush(ctx, tx); err != nil {
				return err
			}
			b = batch{kind: r.Kind, cols: r.Columns}
		}
		b.rows = append(b.rows, r.Values)
		if len(b.rows) == batchRows {
			if err := b.flush(ctx, tx); err != nil {
				return err
			}
		}
	}
	if err := b.flush(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("exportsql: commit: %w", err)
	}
	return nil
}

// fits checks that the database has the table and every column of r.
func fits(r export.Record, have map[string]bool) error {
	if have == nil {
		return fmt.Errorf("exportsql: this database has no table %s for the %s records (was the file made by a newer trx?)", r.Kind.Table, r.Kind.Name)
	}
	for _, c := range r.Columns {
		if !have[c.Name] {
			return fmt.Errorf("exportsql: this database's %s has no column %s (was the file made by a newer trx?)", r.Kind.Table, c.Name)
		}
	}
	return nil
}

// batch is rows of one kind, with the same columns, waiting for one
// multi-row INSERT.
type batch struct {
	kind *export.Kind
	cols []*export.Column
	rows [][]any
}

func (b *batch) same(r export.Record) bool {
	if b.kind != r.Kind || len(b.cols) != len(r.Columns) {
		return false
	}
	for i, c := range b.cols {
		if r.Columns[i] != c {
			return false
		}
	}
	return true
}

func (b *batch) flush(ctx context.Context, tx *sql.Tx) error {
	if len(b.rows) == 0 {
		return nil
	}
	names := make([]string, len(b.cols))
	for i, c := range b.cols {
		names[i] = c.Name
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(b.cols)), ", ") + ")"
	q := "INSERT INTO " + b.kind.Table + " (" + strings.Join(names, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+", ", len(b.rows)), ", ")
	args := make([]any, 0, len(b.rows)*len(b.cols))
	for _, r := range b.rows {
		args = append(args, r...)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("exportsql: insert %d %s records: %w", len(b.rows), b.kind.Name, err)
	}
	b.rows = b.rows[:0]
	return nil
}
