// Package statementsql is the statement.Store on SQL, for SQLite and for
// MySQL/MariaDB: the imports and their presets (tables of
// sqldb/migrations/*/0007_accounts.sql), the dedupe keys an account's
// transactions hold, and the undo of an import, which deletes its
// transactions and marks it undone in one database transaction. It reads
// the transactions table (and deletes from it for an undo) but never
// inserts into it: imported transactions are stored through
// transaction.Service, which categorizes and announces them.
package statementsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/statement"
)

// Store is a statement.Store on a sqldb.DB.
type Store struct {
	db  *sqldb.DB
	cap sqldb.RowCap // the most imports of one user (see WithRowCap)
}

var _ statement.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithRowCap makes CreateImport refuse (409, naming c) an import past c.Max
// of one user, counted in the insert's own database transaction (default:
// no cap). Undone imports count until they are deleted.
func WithRowCap(c sqldb.RowCap) Option { return func(s *Store) { s.cap = c } }

// New returns a Store on db.
func New(db *sqldb.DB, opts ...Option) *Store {
	s := &Store{db: db}
	for _, o := range opts {
		o(s)
	}
	return s
}

const importColumns = `id, user_id, account_id, state, format, preset, filename, rows_read, created, duplicates, rejected, skipped, removed,
	problems, error, created_at, updated_at, heartbeat_at`

// CreateImport adds imp, unless its user has as many imports as the cap
// allows.
func (s *Store) CreateImport(ctx context.Context, imp statement.Import) error {
	problems, err := json.Marshal(nonNil(imp.Problems))
	if err != nil {
		return fmt.Errorf("statementsql: create import: %w", err)
	}
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("statementsql: create import: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if err := sqldb.UnderCap(ctx, tx, s.db.Dialect, "imports", imp.UserID, 1, s.cap, nil); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO imports (`+importColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		imp.ID, imp.UserID, imp.AccountID, imp.State, imp.Format, nullable(imp.Preset), nullable(imp.Filename), imp.Rows, imp.Created,
		imp.Duplicates, imp.Rejected, imp.Skipped, imp.Removed, string(problems), nullable(imp.Error),
		sqldb.FormatTime(imp.CreatedAt), sqldb.FormatTime(imp.UpdatedAt), sqldb.FormatTime(imp.HeartbeatAt))
	if err != nil {
		return fmt.Errorf("statementsql: create import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("statementsql: create import: commit: %w", err)
	}
	return nil
}

func nonNil(ps []statement.Problem) []statement.Problem {
	if ps == nil {
		return []statement.Problem{}
	}
	return ps
}

// Import returns one import of a user.
func (s *Store) Import(ctx context.Context, userID, id string) (statement.Import, error) {
	return s.importFrom(ctx, s.db.Read, userID, id)
}

func (s *Store) importFrom(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, userID, id string) (statement.Import, error) {
	imp, err := scanImport(q.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE id = ? AND user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return imp, statement.ErrImportNotFound
	}
	if err != nil {
		return imp, fmt.Errorf("statementsql: import: %w", err)
	}
	return imp, nil
}

// Imports lists a user's imports, newest first.
func (s *Store) Imports(ctx context.Context, userID, accountID string, limit int) ([]statement.Import, error) {
	q := `SELECT ` + importColumns + ` FROM imports WHERE user_id = ?`
	args := []any{userID}
	if accountID != "" {
		q += ` AND account_id = ?`
		args = append(args, accountID)
	}
	args = append(args, limit)
	return s.imports(ctx, q+` ORDER BY created_at DESC, id DESC LIMIT ?`, args...)
}

func (s *Store) imports(ctx context.Context, q string, args ...any) ([]statement.Import, error) {
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("statementsql: imports: %w", err)
	}
	defer rows.Close()
	var out []statement.Import
	for rows.Next() {
		imp, err := scanImport(rows)
		if err != nil {
			return nil, fmt.Errorf("statementsql: imports: %w", err)
		}
		out = append(out, imp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("statementsql: imports: %w", err)
	}
	return out, nil
}

// Finish writes the outcome of a running import.
func (s *Store) Finish(ctx context.Context, imp statement.Import) (bool, error) {
	res, err := s.db.Write.ExecContext(ctx, `UPDATE imports SET state = ?, created = ?, duplicates = ?, error = ?, updated_at = ?
		WHERE id = ? AND state = ?`,
		imp.State, imp.Created, imp.Duplicates, nullable(imp.Error), sqldb.FormatTime(imp.UpdatedAt), imp.ID, statement.StateRunning)
	if err != nil {
		return false, fmt.Errorf("statementsql: finish import: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("statementsql: finish import: %w", err)
	}
	return n == 1, nil
}

// Heartbeat renews the heartbeats of running imports.
func (s *Store) Heartbeat(ctx context.Context, ids []string, at time.Time) error {
	args := []any{sqldb.FormatTime(at)}
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, statement.StateRunning)
	_, err := s.db.Write.ExecContext(ctx, `UPDATE imports SET heartbeat_at = ? WHERE id IN (`+placeholders(len(ids))+`) AND state = ?`, args...)
	if err != nil {
		return fmt.Errorf("statementsql: heartbeat: %w", err)
	}
	return nil
}

// Stale lists the running imports whose heartbeat is before t.
func (s *Store) Stale(ctx context.Context, before time.Time) ([]statement.Import, error) {
	return s.imports(ctx, `SELECT `+importColumns+` FROM imports WHERE state = ? AND heartbeat_at < ? ORDER BY heartbeat_at LIMIT 100`,
		statement.StateRunning, sqldb.FormatTime(before))
}

// CountImported counts the transactions an import stored.
func (s *Store) CountImported(ctx context.Context, importID string) (int, error) {
	var n int
	if err := s.db.Write.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions WHERE import_id = ?`, importID).Scan(&n); err != nil {
		return 0, fmt.Errorf("statementsql: count imported: %w", err)
	}
	return n, nil
}

// Undo deletes the transactions of a done import and marks it undone.
func (s *Store) Undo(ctx context.Context, userID, id string, at time.Time) (statement.Import, error) {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return statement.Import{}, fmt.Errorf("statementsql: undo: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	res, err := tx.ExecContext(ctx, `UPDATE imports SET state = ?, updated_at = ? WHERE id = ? AND user_id = ? AND state = ?`,
		statement.StateUndone, sqldb.FormatTime(at), id, userID, statement.StateDone)
	if err != nil {
		return statement.Import{}, fmt.Errorf("statementsql: undo: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return statement.Import{}, fmt.Errorf("statementsql: undo: %w", err)
		}
		return statement.Import{}, fault.New(fault.Conflict, "the import is not done (it is running, failed or undone already); there is nothing to undo")
	}
	// A transaction of the import linked into a transfer goes; its other
	// leg (of another import, or made by hand) stays, no longer a leg.
	if _, err := tx.ExecContext(ctx, `UPDATE transactions SET transfer_id = NULL, version = version + 1, updated_at = ?
		WHERE user_id = ? AND (import_id IS NULL OR import_id <> ?) AND transfer_id IN
		(SELECT transfer_id FROM (SELECT transfer_id FROM transactions WHERE import_id = ? AND user_id = ? AND transfer_id IS NOT NULL) AS legs)`,
		sqldb.FormatTime(at), userID, id, id, userID); err != nil {
		return statement.Import{}, fmt.Errorf("statementsql: undo: unlink transfers: %w", err)
	}
	res, err = tx.ExecContext(ctx, `DELETE FROM transactions WHERE import_id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return statement.Import{}, fmt.Errorf("statementsql: undo: delete transactions: %w", err)
	}
	removed, err := res.RowsAffected()
	if err != nil {
		return statement.Import{}, fmt.Errorf("statementsql: undo: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET removed = ? WHERE id = ?`, removed, id); err != nil {
		return statement.Import{}, fmt.Errorf("statementsql: undo: %w", err)
	}
	imp, err := s.importFrom(ctx, tx, userID, id)
	if err != nil {
		return imp, err
	}
	if err := tx.Commit(); err != nil {
		return statement.Import{}, fmt.Errorf("statementsql: undo: commit: %w", err)
	}
	return imp, nil
}

// keyChunk bounds the keys of one IN list.
const keyChunk = 500

// ExistingKeys returns which of keys the account's transactions hold.
func (s *Store) ExistingKeys(ctx context.Context, accountID string, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(keys); start += keyChunk {
		chunk := keys[start:min(start+keyChunk, len(keys))]
		args := []any{accountID}
		for _, k := range chunk {
			args = append(args, k)
		}
		rows, err := s.db.Read.QueryContext(ctx, `SELECT import_key FROM transactions WHERE account_id = ? AND import_key IN (`+
			placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("statementsql: existing keys: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("statementsql: existing keys: %w", err)
			}
			out[k] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("statementsql: existing keys: %w", err)
		}
	}
	return out, nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

type scanner interface{ Scan(dest ...any) error }

func scanImport(r scanner) (statement.Import, error) {
	var (
		imp                             statement.Import
		preset, filename, errText       sql.NullString
		problems                        string
		createdAt, updatedAt, heartbeat string
	)
	if err := r.Scan(&imp.ID, &imp.UserID, &imp.AccountID, &imp.State, &imp.Format, &preset, &filename, &imp.Rows, &imp.Created,
		&imp.Duplicates, &imp.Rejected, &imp.Skipped, &imp.Removed, &problems, &errText, &createdAt, &updatedAt, &heartbeat); err != nil {
		return imp, err
	}
	imp.Preset, imp.Filename, imp.Error = preset.String, filename.String, errText.String
	if err := json.Unmarshal([]byte(problems), &imp.Problems); err != nil {
		return imp, fmt.Errorf("stored problems: %w", err)
	}
	var err error
	if imp.CreatedAt, err = sqldb.ParseTime(createdAt); err != nil {
		return imp, err
	}
	if imp.UpdatedAt, err = sqldb.ParseTime(updatedAt); err != nil {
		return imp, err
	}
	if imp.HeartbeatAt, err = sqldb.ParseTime(heartbeat); err != nil {
		return imp, err
	}
	return imp, nil
}
