// Package accountsql is the account.Store on SQL, for SQLite and for
// MySQL/MariaDB (one implementation in the SQL both engines share, as in
// transactionsql; the schemas are in sqldb/migrations, 0007_accounts.sql).
package accountsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/account"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
)

// Store is an account.Store on a sqldb.DB.
type Store struct {
	db  *sqldb.DB
	cap sqldb.RowCap // the most accounts of one user
}

var _ account.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithRowCap makes Insert refuse (409, naming c) an account past c.Max of
// one user, counted in the insert's own database transaction (default:
// account.MaxAccounts; a zero Max is no cap).
func WithRowCap(c sqldb.RowCap) Option { return func(s *Store) { s.cap = c } }

// New returns a Store on db.
func New(db *sqldb.DB, opts ...Option) *Store {
	s := &Store{db: db, cap: sqldb.RowCap{Max: account.MaxAccounts, What: "accounts", Hint: "delete accounts you no longer use (those without transactions)"}}
	for _, o := range opts {
		o(s)
	}
	return s
}

const columns = `id, user_id, name, kind, currency, opening_minor, opening_date, institution, number, closed, created_at, updated_at, version`

// nameKey is the form names are unique in: the same on both engines,
// whatever their collations.
func nameKey(name string) string { return strings.ToLower(name) }

// Insert adds a, unless its user has as many accounts as the cap allows.
func (s *Store) Insert(ctx context.Context, a account.Account) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("accountsql: insert: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if err := sqldb.UnderCap(ctx, tx, s.db.Dialect, "accounts", a.UserID, 1, s.cap, nil); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO accounts (`+columns+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.UserID, a.Name, a.Kind, a.Currency, a.OpeningBalance, nullable(a.OpeningDate), nullable(a.Institution),
		nullable(a.Number), a.Closed, sqldb.FormatTime(a.CreatedAt), sqldb.FormatTime(a.UpdatedAt), a.Version, nameKey(a.Name))
	if sqldb.IsDuplicate(err) {
		return account.ErrNameTaken
	}
	if err != nil {
		return fmt.Errorf("accountsql: insert: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("accountsql: insert: commit: %w", err)
	}
	return nil
}

// Get returns one account of a user.
func (s *Store) Get(ctx context.Context, userID, id string) (account.Account, error) {
	return s.one(ctx, `id = ?`, userID, id)
}

// ByName returns the account of a user with that name, whatever the case.
func (s *Store) ByName(ctx context.Context, userID, name string) (account.Account, error) {
	return s.one(ctx, `name_key = ?`, userID, nameKey(name))
}

func (s *Store) one(ctx context.Context, cond, userID, arg string) (account.Account, error) {
	row := s.db.Read.QueryRowContext(ctx, `SELECT `+columns+` FROM accounts WHERE user_id = ? AND `+cond, userID, arg)
	a, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return a, account.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("accountsql: get: %w", err)
	}
	return a, nil
}

// List returns a user's accounts by name.
func (s *Store) List(ctx context.Context, userID string, includeClosed bool) ([]account.Account, error) {
	q := `SELECT ` + columns + ` FROM accounts WHERE user_id = ?`
	if !includeClosed {
		q += ` AND closed = ?`
	}
	q += ` ORDER BY name_key, id`
	args := []any{userID}
	if !includeClosed {
		args = append(args, false)
	}
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("accountsql: list: %w", err)
	}
	defer rows.Close()
	var out []account.Account
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("accountsql: list: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("accountsql: list: %w", err)
	}
	return out, nil
}

// Count counts a user's accounts.
func (s *Store) Count(ctx context.Context, userID string) (int, error) {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("accountsql: count: %w", err)
	}
	return n, nil
}

// Update writes a if the stored version is a.Version-1.
func (s *Store) Update(ctx context.Context, a account.Account) error {
	res, err := s.db.Write.ExecContext(ctx, `UPDATE accounts SET name = ?, name_key = ?, kind = ?, opening_minor = ?,
		opening_date = ?, institution = ?, number = ?, closed = ?, updated_at = ?, version = ?
		WHERE id = ? AND user_id = ? AND version = ?`,
		a.Name, nameKey(a.Name), a.Kind, a.OpeningBalance, nullable(a.OpeningDate), nullable(a.Institution), nullable(a.Number),
		a.Closed, sqldb.FormatTime(a.UpdatedAt), a.Version, a.ID, a.UserID, a.Version-1)
	if sqldb.IsDuplicate(err) {
		return account.ErrNameTaken
	}
	if err != nil {
		return fmt.Errorf("accountsql: update: %w", err)
	}
	return s.missed(ctx, res, a.UserID, a.ID)
}

// Delete removes an account without transactions; ifVersion > 0 makes it
// conditional. The check and the delete are one statement, so a
// transaction added meanwhile is never orphaned.
func (s *Store) Delete(ctx context.Context, userID, id string, ifVersion int64) error {
	q := `DELETE FROM accounts WHERE id = ? AND user_id = ?`
	args := []any{id, userID}
	if ifVersion > 0 {
		q += ` AND version = ?`
		args = append(args, ifVersion)
	}
	var n int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions WHERE user_id = ? AND account_id = ?`, userID, id).Scan(&n)
	if err != nil {
		return fmt.Errorf("accountsql: delete: %w", err)
	}
	if n > 0 {
		if _, err := s.Get(ctx, userID, id); err != nil {
			return err
		}
		return account.ErrHasTransactions
	}
	q += ` AND NOT EXISTS (SELECT 1 FROM transactions WHERE account_id = ?)`
	args = append(args, id)
	res, err := s.db.Write.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("accountsql: delete: %w", err)
	}
	return s.missed(ctx, res, userID, id)
}

// missed turns "no row changed" into ErrNotFound, ErrVersionMismatch or
// (a transaction arrived meanwhile) ErrHasTransactions.
func (s *Store) missed(ctx context.Context, res sql.Result, userID, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("accountsql: rows affected: %w", err)
	}
	if n == 1 {
		return nil
	}
	var one int
	err = s.db.Write.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ? AND user_id = ?`, id, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return account.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("accountsql: check row: %w", err)
	}
	err = s.db.Write.QueryRowContext(ctx, `SELECT 1 FROM transactions WHERE account_id = ? LIMIT 1`, id).Scan(&one)
	if err == nil {
		return account.ErrHasTransactions
	}
	return account.ErrVersionMismatch
}

// Sums totals transactions per account, from each account's opening date.
// The sum is exact: SQLite fails on an integer overflow, and MySQL's SUM of
// a BIGINT is a DECIMAL that does not scan into an int64 when too large;
// both come back as a 422.
func (s *Store) Sums(ctx context.Context, userID string, ids []string, to time.Time) (map[string]account.Totals, error) {
	where := []string{"t.user_id = ?", "a.user_id = ?", "(a.opening_date IS NULL OR t.booked_at >= a.opening_date)"}
	args := []any{userID, userID}
	if len(ids) > 0 {
		where = append(where, "t.account_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")")
		for _, id := range ids {
			args = append(args, id)
		}
	}
	if !to.IsZero() {
		where = append(where, "t.booked_at < ?")
		args = append(args, sqldb.FormatTime(to))
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT t.account_id, SUM(t.amount_minor), COUNT(*)
		FROM transactions t JOIN accounts a ON a.id = t.account_id
		WHERE `+strings.Join(where, " AND ")+` GROUP BY t.account_id`, args...)
	if err != nil {
		return nil, sumError(err)
	}
	defer rows.Close()
	out := map[string]account.Totals{}
	for rows.Next() {
		var (
			id  string
			sum sql.NullString
			t   account.Totals
		)
		if err := rows.Scan(&id, &sum, &t.Count); err != nil {
			return nil, sumError(err)
		}
		if t.Sum, err = strconv.ParseInt(sum.String, 10, 64); err != nil {
			return nil, fault.New(fault.Unprocessable, "a balance does not fit in 64-bit minor units")
		}
		out[id] = t
	}
	if err := rows.Err(); err != nil {
		return nil, sumError(err)
	}
	return out, nil
}

func sumError(err error) error {
	if strings.Contains(err.Error(), "integer overflow") {
		return fault.New(fault.Unprocessable, "a balance does not fit in 64-bit minor units")
	}
	return fmt.Errorf("accountsql: sums: %w", err)
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

type scanner interface{ Scan(dest ...any) error }

func scan(r scanner) (account.Account, error) {
	var (
		a                      account.Account
		openingDate, inst, num sql.NullString
		createdAt, updatedAt   string
	)
	if err := r.Scan(&a.ID, &a.UserID, &a.Name, &a.Kind, &a.Currency, &a.OpeningBalance, &openingDate, &inst, &num,
		&a.Closed, &createdAt, &updatedAt, &a.Version); err != nil {
		return a, err
	}
	a.OpeningDate, a.Institution, a.Number = openingDate.String, inst.String, num.String
	var err error
	if a.CreatedAt, err = sqldb.ParseTime(createdAt); err != nil {
		return a, err
	}
	if a.UpdatedAt, err = sqldb.ParseTime(updatedAt); err != nil {
		return a, err
	}
	return a, nil
}
