package transactionsql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
)

// The per-user events outbox (user_events, migration 0008): the store
// writes a write's events in the write's own database transaction; the
// relay reads what is not yet published, publishes it and marks it.

// eventChunk bounds the rows of one multi-row INSERT of events.
const eventChunk = 200

// insertEvents records events in the outbox within tx.
func insertEvents(ctx context.Context, tx *sql.Tx, events []transaction.Event) error {
	for start := 0; start < len(events); start += eventChunk {
		chunk := events[start:min(start+eventChunk, len(events))]
		args := make([]any, 0, 4*len(chunk))
		for _, e := range chunk {
			args = append(args, e.UserID, e.Type, string(e.Data), sqldb.FormatTime(e.At))
		}
		q := `INSERT INTO user_events (user_id, type, data, created_at) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(chunk)), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("transactionsql: record events: %w", err)
		}
	}
	return nil
}

// recordChanged records an event of type typ for each of the rows ids of
// userID as they stand in tx (after its writes).
func (s *Store) recordChanged(ctx context.Context, tx *sql.Tx, userID string, ids []string, typ string, at time.Time) error {
	var rows []transaction.Transaction
	for start := 0; start < len(ids); start += insertChunk {
		chunk := ids[start:min(start+insertChunk, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, userID)
		for _, id := range chunk {
			args = append(args, id)
		}
		rs, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM transactions WHERE user_id = ? AND id IN (`+placeholders(len(chunk))+`) ORDER BY id`, args...)
		if err != nil {
			return fmt.Errorf("transactionsql: read changed rows: %w", err)
		}
		for rs.Next() {
			t, err := scan(rs)
			if err != nil {
				rs.Close()
				return fmt.Errorf("transactionsql: read changed rows: %w", err)
			}
			rows = append(rows, t)
		}
		err = rs.Err()
		rs.Close()
		if err != nil {
			return fmt.Errorf("transactionsql: read changed rows: %w", err)
		}
	}
	events, err := transaction.NewEvents(typ, at, rows)
	if err != nil {
		return err
	}
	return insertEvents(ctx, tx, events)
}

// Outbox reads and marks the user_events rows, for the relay.
type Outbox struct {
	db *sqldb.DB
}

// NewOutbox returns the outbox on db.
func NewOutbox(db *sqldb.DB) *Outbox { return &Outbox{db: db} }

// Pending returns up to limit unpublished events in id order. Like the
// stock changes, it selects what is not yet published rather than what
// follows a high-water mark, which would skip a row that commits late.
func (o *Outbox) Pending(ctx context.Context, limit int) ([]transaction.Event, error) {
	rows, err := o.db.Write.QueryContext(ctx, `SELECT id, user_id, type, data, created_at FROM user_events
		WHERE published_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("transactionsql: pending events: %w", err)
	}
	defer rows.Close()
	var out []transaction.Event
	for rows.Next() {
		var (
			e        transaction.Event
			data, at string
		)
		if err := rows.Scan(&e.ID, &e.UserID, &e.Type, &data, &at); err != nil {
			return nil, fmt.Errorf("transactionsql: pending events: %w", err)
		}
		e.Data = []byte(data)
		if e.At, err = sqldb.ParseTime(at); err != nil {
			return nil, fmt.Errorf("transactionsql: pending events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkPublished records that the events with these ids are on the stream.
func (o *Outbox) MarkPublished(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, sqldb.FormatTime(at))
	for _, id := range ids {
		args = append(args, id)
	}
	if _, err := o.db.Write.ExecContext(ctx, `UPDATE user_events SET published_at = ? WHERE id IN (`+placeholders(len(ids))+`)`, args...); err != nil {
		return fmt.Errorf("transactionsql: mark events published: %w", err)
	}
	return nil
}

// PurgePublished deletes published events recorded before before.
func (o *Outbox) PurgePublished(ctx context.Context, before time.Time) (int64, error) {
	res, err := o.db.Write.ExecContext(ctx, `DELETE FROM user_events WHERE published_at IS NOT NULL AND created_at < ?`, sqldb.FormatTime(before))
	if err != nil {
		return 0, fmt.Errorf("transactionsql: purge events: %w", err)
	}
	return res.RowsAffected()
}
