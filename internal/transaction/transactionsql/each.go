package transactionsql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
)

// Each calls fn for every transaction of userID booked in [sp.From, sp.To)
// (a zero bound is open), oldest booked first, reading one row at a time:
// any number of rows fits in memory, which is what a report over all of a
// user's transactions needs. The legs of transfers are left out unless
// sp.Transfers is set. It reads only the columns that totals use: fn gets
// ID, UserID, Amount, Currency, BookedAt, CategoryID and TransferID set,
// the other fields zero. An error from fn stops the scan and is returned as
// it is.
func (s *Store) Each(ctx context.Context, userID string, sp transaction.Span, fn func(transaction.Transaction) error) error {
	where := []string{"user_id = ?"}
	args := []any{userID}
	if !sp.From.IsZero() {
		where = append(where, "booked_at >= ?")
		args = append(args, sqldb.FormatTime(sp.From))
	}
	if !sp.To.IsZero() {
		where = append(where, "booked_at < ?")
		args = append(args, sqldb.FormatTime(sp.To))
	}
	if !sp.Transfers {
		where = append(where, "transfer_id IS NULL")
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, amount_minor, currency, booked_at, category_id, transfer_id FROM transactions WHERE `+
		strings.Join(where, " AND ")+` ORDER BY booked_at, id`, args...)
	if err != nil {
		return fmt.Errorf("transactionsql: each: %w", err)
	}
	defer rows.Close()
	var (
		t        = transaction.Transaction{UserID: userID}
		bookedAt string
		category sql.NullString
		transfer sql.NullString
	)
	for rows.Next() {
		if err := rows.Scan(&t.ID, &t.Amount, &t.Currency, &bookedAt, &category, &transfer); err != nil {
			return fmt.Errorf("transactionsql: each: %w", err)
		}
		if t.BookedAt, err = sqldb.ParseTime(bookedAt); err != nil {
			return fmt.Errorf("transactionsql: each: %w", err)
		}
		t.CategoryID, t.TransferID = category.String, transfer.String
		if err := fn(t); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("transactionsql: each: %w", err)
	}
	return nil
}
