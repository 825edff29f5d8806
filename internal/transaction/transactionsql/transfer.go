package transactionsql

import (
	"context"
	"fmt"

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
