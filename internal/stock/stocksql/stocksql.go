// Package stocksql is the stock.Store on SQL (SQLite and MySQL share it), and
// the reader of the stock_changes table that the database's triggers fill.
package stocksql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/stock"
)

// Store is a stock.Store on a sqldb.DB.
type Store struct {
	db *sqldb.DB
}

var _ stock.Store = (*Store)(nil)

// New returns a Store on db.
func New(db *sqldb.DB) *Store { return &Store{db: db} }

// Insert adds a stock.
func (s *Store) Insert(ctx context.Context, st stock.Stock) error {
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO stocks (symbol, name, price_micros, currency, updated_at) VALUES (?, ?, ?, ?, ?)`,
		st.Symbol, st.Name, st.Price, st.Currency, sqldb.FormatTime(st.UpdatedAt))
	if sqldb.IsDuplicate(err) {
		return stock.ErrExists
	}
	if err != nil {
		return fmt.Errorf("stocksql: insert: %w", err)
	}
	return nil
}

// Get returns one stock.
func (s *Store) Get(ctx context.Context, symbol string) (stock.Stock, error) {
	st, err := scan(s.db.Read.QueryRowContext(ctx, `SELECT `+stockColumns+` FROM stocks WHERE symbol = ?`, symbol))
	if errors.Is(err, sql.ErrNoRows) {
		return st, stock.ErrNotFound
	}
	if err != nil {
		return st, fmt.Errorf("stocksql: get: %w", err)
	}
	return st, nil
}

// List returns stocks in symbol order after the given symbol.
func (s *Store) List(ctx context.Context, after string, limit int) ([]stock.Stock, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+stockColumns+` FROM stocks WHERE symbol > ? ORDER BY symbol LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("stocksql: list: %w", err)
	}
	defer rows.Close()
	var out []stock.Stock
	for rows.Next() {
		st, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("stocksql: list: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Update writes every field of st.
func (s *Store) Update(ctx context.Context, st stock.Stock) error {
	res, err := s.db.Write.ExecContext(ctx, `UPDATE stocks SET name = ?, price_micros = ?, currency = ?, updated_at = ? WHERE symbol = ?`,
		st.Name, st.Price, st.Currency, sqldb.FormatTime(st.UpdatedAt), st.Symbol)
	if err != nil {
		return fmt.Errorf("stocksql: update: %w", err)
	}
	return s.found(ctx, res, st.Symbol)
}

// Delete removes a stock.
func (s *Store) Delete(ctx context.Context, symbol string) error {
	res, err := s.db.Write.ExecContext(ctx, `DELETE FROM stocks WHERE symbol = ?`, symbol)
	if err != nil {
		return fmt.Errorf("stocksql: delete: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return stock.ErrNotFound
	}
	return nil
}

// found maps "no row changed" to ErrNotFound. MySQL reports rows changed,
// not matched, so an update to the same values needs a second look.
func (s *Store) found(ctx context.Context, res sql.Result, symbol string) error {
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	if _, err := s.Get(ctx, symbol); err != nil {
		return err
	}
	return nil
}

// SetPrices sets many prices in one transaction, in symbol order (so that
// two batches lock rows in the same order and cannot deadlock).
func (s *Store) SetPrices(ctx context.Context, prices map[string]int64, at time.Time) error {
	symbols := make([]string, 0, len(prices))
	for sym := range prices {
		symbols = append(symbols, sym)
	}
	slices.Sort(symbols)
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("stocksql: set prices: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	stmt, err := tx.PrepareContext(ctx, `UPDATE stocks SET price_micros = ?, updated_at = ? WHERE symbol = ?`)
	if err != nil {
		return fmt.Errorf("stocksql: set prices: %w", err)
	}
	defer stmt.Close()
	ts := sqldb.FormatTime(at)
	var missing []string
	for _, sym := range symbols {
		res, err := stmt.ExecContext(ctx, prices[sym], ts, sym)
		if err != nil {
			return fmt.Errorf("stocksql: set price of %s: %w", sym, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM stocks WHERE symbol = ?`, sym).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				missing = append(missing, sym)
			} else if err != nil {
				return fmt.Errorf("stocksql: set price of %s: %w", sym, err)
			}
		}
	}
	if len(missing) > 0 {
		return fault.Errorf(fault.NotFound, "no such stock: %s; nothing was changed", strings.Join(missing, ", "))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("stocksql: set prices: commit: %w", err)
	}
	return nil
}

const stockColumns = `symbol, name, price_micros, currency, updated_at, previous_price_micros`

type scanner interface{ Scan(dest ...any) error }

func scan(r scanner) (stock.Stock, error) {
	var (
		st   stock.Stock
		at   string
		prev sql.NullInt64
	)
	if err := r.Scan(&st.Symbol, &st.Name, &st.Price, &st.Currency, &at, &prev); err != nil {
		return st, err
	}
	if prev.Valid {
		st.PreviousPrice = &prev.Int64
	}
	var err error
	st.UpdatedAt, err = sqldb.ParseTime(at)
	return st, err
}
