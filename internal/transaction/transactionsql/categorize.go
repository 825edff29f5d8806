package transactionsql

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
)

// GetMany returns the rows of userID among ids.
func (s *Store) GetMany(ctx context.Context, userID string, ids []string) ([]transaction.Transaction, error) {
	out := make([]transaction.Transaction, 0, len(ids))
	for start := 0; start < len(ids); start += insertChunk {
		chunk := ids[start:min(start+insertChunk, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, userID)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := s.db.Read.QueryContext(ctx, `SELECT `+columns+` FROM transactions WHERE user_id = ? AND id IN (`+
			placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("transactionsql: get many: %w", err)
		}
		for rows.Next() {
			t, err := scan(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("transactionsql: get many: %w", err)
			}
			out = append(out, t)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("transactionsql: get many: %w", err)
		}
	}
	return out, nil
}

// SetCategories applies changes in one database transaction; an automatic
// change leaves a manually categorized row alone.
func (s *Store) SetCategories(ctx context.Context, userID string, changes []transaction.CategoryChange, at time.Time, event string) ([]string, error) {
	if !s.outbox {
		event = ""
	}
	for attempt := 1; ; attempt++ {
		changed, err := s.setCategories(ctx, userID, changes, at, event)
		if err != nil && attempt < 4 && retryable(err) {
			continue
		}
		return changed, err
	}
}

func (s *Store) setCategories(ctx context.Context, userID string, changes []transaction.CategoryChange, at time.Time, event string) ([]string, error) {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("transactionsql: set categories: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	const set = `UPDATE transactions SET category_id = ?, category_source = ?, category_confidence = ?, category_rule_id = ?,
		updated_at = ?, version = version + 1 WHERE id = ? AND user_id = ?`
	changed := make([]string, 0, len(changes))
	for _, c := range changes {
		q, args := set, []any{nullable(c.CategoryID), nullable(c.Source),
			confidence(transaction.Transaction{CategorySource: c.Source, CategoryConfidence: c.Confidence}),
			nullable(c.RuleID), sqldb.FormatTime(at), c.ID, userID}
		if transaction.Automatic(c.Source) {
			q += ` AND (category_source IS NULL OR category_source <> ?)`
			args = append(args, transaction.SourceManual)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("transactionsql: set category: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("transactionsql: set category: %w", err)
		}
		if n == 1 {
			changed = append(changed, c.ID)
		}
	}
	if event != "" && len(changed) > 0 {
		if err := s.recordChanged(ctx, tx, userID, changed, event, at); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("transactionsql: set categories: commit: %w", err)
	}
	return changed, nil
}

// CountCategory counts userID's transactions in a category.
func (s *Store) CountCategory(ctx context.Context, userID, categoryID string) (int64, error) {
	var n int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions WHERE user_id = ? AND category_id = ?`,
		userID, categoryID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("transactionsql: count category: %w", err)
	}
	return n, nil
}

// ReassignCategory moves userID's transactions from one category to another
// ("" = uncategorized, which forgets an automatic decision but keeps a
// manual one as "cleared by hand").
func (s *Store) ReassignCategory(ctx context.Context, userID, from, to string, at time.Time) (int64, error) {
	q := `UPDATE transactions SET category_id = ?, updated_at = ?, version = version + 1`
	if to == "" {
		q += `, category_source = CASE WHEN category_source = 'manual' THEN 'manual' ELSE NULL END,
			category_confidence = NULL, category_rule_id = NULL`
	}
	res, err := s.db.Write.ExecContext(ctx, q+` WHERE user_id = ? AND category_id = ?`,
		nullable(to), sqldb.FormatTime(at), userID, from)
	if err != nil {
		return 0, fmt.Errorf("transactionsql: reassign category: %w", err)
	}
	return res.RowsAffected()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
