package stocksql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/stock"
)

// Changes reads and marks the stock_changes rows that the triggers write.
type Changes struct {
	db *sqldb.DB
}

// NewChanges returns a Changes on db.
func NewChanges(db *sqldb.DB) *Changes { return &Changes{db: db} }

const changeColumns = `id, symbol, op, old_name, old_price_micros, old_currency, old_updated_at,
	new_name, new_price_micros, new_currency, new_updated_at, changed_at`

// Pending returns up to limit unpublished changes in id order. It selects
// what is not yet published rather than what comes after a high-water mark:
// a row with a lower id can commit after one with a higher id, and a
// high-water mark would skip it (the outbox trap; docs/ARCHITECTURE.md).
func (c *Changes) Pending(ctx context.Context, limit int) ([]stock.Change, error) {
	rows, err := c.db.Write.QueryContext(ctx, `SELECT `+changeColumns+` FROM stock_changes WHERE published_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("stocksql: pending changes: %w", err)
	}
	defer rows.Close()
	var out []stock.Change
	for rows.Next() {
		ch, err := scanChange(rows)
		if err != nil {
			return nil, fmt.Errorf("stocksql: pending changes: %w", err)
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}

// All returns every change row with an id greater than after, in id order
// (for tests and tools; the relay uses Pending).
func (c *Changes) All(ctx context.Context, after int64) ([]stock.Change, error) {
	rows, err := c.db.Read.QueryContext(ctx, `SELECT `+changeColumns+` FROM stock_changes WHERE id > ? ORDER BY id`, after)
	if err != nil {
		return nil, fmt.Errorf("stocksql: changes: %w", err)
	}
	defer rows.Close()
	var out []stock.Change
	for rows.Next() {
		ch, err := scanChange(rows)
		if err != nil {
			return nil, fmt.Errorf("stocksql: changes: %w", err)
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}

// MarkPublished records that the changes with these ids are in the stream.
func (c *Changes) MarkPublished(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, sqldb.FormatTime(at))
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := c.db.Write.ExecContext(ctx, `UPDATE stock_changes SET published_at = ? WHERE id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("stocksql: mark published: %w", err)
	}
	return nil
}

// PurgePublished deletes published changes older than before.
func (c *Changes) PurgePublished(ctx context.Context, before time.Time) (int64, error) {
	res, err := c.db.Write.ExecContext(ctx, `DELETE FROM stock_changes WHERE published_at IS NOT NULL AND changed_at < ?`, sqldb.FormatTime(before))
	if err != nil {
		return 0, fmt.Errorf("stocksql: purge changes: %w", err)
	}
	return res.RowsAffected()
}

func scanChange(r scanner) (stock.Change, error) {
	var (
		ch                      stock.Change
		oName, oCur, oAt, nName sql.NullString
		nCur, nAt               sql.NullString
		oPrice, nPrice          sql.NullInt64
		changedAt               string
	)
	if err := r.Scan(&ch.ID, &ch.Symbol, &ch.Op, &oName, &oPrice, &oCur, &oAt, &nName, &nPrice, &nCur, &nAt, &changedAt); err != nil {
		return ch, err
	}
	var err error
	if ch.ChangedAt, err = sqldb.ParseTime(changedAt); err != nil {
		return ch, err
	}
	image := func(name sql.NullString, price sql.NullInt64, cur, at sql.NullString) *stock.Image {
		if !price.Valid {
			return nil
		}
		im := &stock.Image{Symbol: ch.Symbol, Name: name.String, Price: price.Int64, Currency: cur.String}
		im.UpdatedAt, _ = sqldb.ParseTime(at.String) // plain SQL may write any text; the time is informative only
		return im
	}
	ch.Old = image(oName, oPrice, oCur, oAt)
	ch.New = image(nName, nPrice, nCur, nAt)
	return ch, nil
}
