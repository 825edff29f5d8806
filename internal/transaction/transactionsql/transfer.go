package transactionsql

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
)

// TransferLegs returns userID's transactions of the transfer id (by the
// transactions_transfer index).
func (s *Store) TransferLegs(ctx context.Context, userID, id string) ([]transaction.Transaction, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+columns+` FROM transactions WHERE transfer_id = ? AND user_id = ? ORDER BY amount_minor, id`, id, userID)
	if err != nil {
		return nil, fmt.Errorf("transactionsql: transfer legs: %w", err)
	}
	defer rows.Close()
	var out []transaction.Transaction
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("transactionsql: transfer legs: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("transactionsql: transfer legs: %w", err)
	}
	return out, nil
}

// DeleteTransfer removes every leg of userID's transfer id in one
// statement: both or neither.
func (s *Store) DeleteTransfer(ctx context.Context, userID, id string) (int64, error) {
	res, err := s.db.Write.ExecContext(ctx, `DELETE FROM transactions WHERE transfer_id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return 0, fmt.Errorf("transactionsql: delete transfer: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("transactionsql: delete transfer: %w", err)
	}
	return n, nil
}

// LinkTransfer links userID's transactions ids, all in no transfer yet,
// into transfer id: one UPDATE in a transaction that is rolled back unless
// it changed every one of them.
func (s *Store) LinkTransfer(ctx context.Context, userID, id string, ids []string, at time.Time) (int64, error) {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("transactionsql: link transfer: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	args := []any{id, sqldb.FormatTime(at), userID}
	for _, x := range ids {
		args = append(args, x)
	}
	res, err := tx.ExecContext(ctx, `UPDATE transactions SET transfer_id = ?, version = version + 1, updated_at = ?
		WHERE user_id = ? AND transfer_id IS NULL AND id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("transactionsql: link transfer: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("transactionsql: link transfer: %w", err)
	}
	if n != int64(len(ids)) {
		return n, nil // rolled back: all or none
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("transactionsql: link transfer: commit: %w", err)
	}
	return n, nil
}

// UnlinkTransfer clears the transfer id of the legs of userID's transfer id.
func (s *Store) UnlinkTransfer(ctx context.Context, userID, id string, at time.Time) (int64, error) {
	res, err := s.db.Write.ExecContext(ctx, `UPDATE transactions SET transfer_id = NULL, version = version + 1, updated_at = ?
		WHERE transfer_id = ? AND user_id = ?`, sqldb.FormatTime(at), id, userID)
	if err != nil {
		return 0, fmt.Errorf("transactionsql: unlink transfer: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("transactionsql: unlink transfer: %w", err)
	}
	return n, nil
}
