// Package authsql is the auth.Store on SQL (SQLite and MySQL share it: the
// queries use only what both engines have).
package authsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/sqldb"
)

// Store is an auth.Store on a sqldb.DB.
type Store struct {
	db *sqldb.DB
}

var _ auth.Store = (*Store)(nil)

// New returns a Store on db.
func New(db *sqldb.DB) *Store { return &Store{db: db} }

// CreateUser stores u and its first key in one transaction.
func (s *Store) CreateUser(ctx context.Context, u auth.User, k auth.Key) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("authsql: create user: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	_, err = tx.ExecContext(ctx, `INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)`, u.ID, u.Name, sqldb.FormatTime(u.CreatedAt))
	if sqldb.IsDuplicate(err) {
		return auth.ErrUserExists
	}
	if err != nil {
		return fmt.Errorf("authsql: create user: %w", err)
	}
	if k.ID != "" {
		if err := insertKey(ctx, tx, k); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("authsql: create user: commit: %w", err)
	}
	return nil
}

// CreateKey stores a key.
func (s *Store) CreateKey(ctx context.Context, k auth.Key) error {
	return insertKey(ctx, s.db.Write, k)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertKey(ctx context.Context, e execer, k auth.Key) error {
	_, err := e.ExecContext(ctx, `INSERT INTO api_keys (id, user_id, digest, prefix, scopes, created_at, label, rate_limit, rate_burst)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Digest, k.Prefix, strings.Join(k.Scopes, ","), sqldb.FormatTime(k.CreatedAt), k.Label,
		nullFloat(k.RateLimit), nullInt(k.RateBurst))
	if err != nil {
		return fmt.Errorf("authsql: create key: %w", err)
	}
	return nil
}

// PrincipalByDigest finds the live key with that digest.
func (s *Store) PrincipalByDigest(ctx context.Context, digest string) (auth.Principal, error) {
	var (
		p      auth.Principal
		scopes string
		rate   sql.NullFloat64
		burst  sql.NullInt64
	)
	err := s.db.Read.QueryRowContext(ctx, `SELECT k.id, k.scopes, k.rate_limit, k.rate_burst, u.id, u.name FROM api_keys k JOIN users u ON u.id = k.user_id
		WHERE k.digest = ? AND k.revoked_at IS NULL`, digest).Scan(&p.KeyID, &scopes, &rate, &burst, &p.UserID, &p.UserName)
	if errors.Is(err, sql.ErrNoRows) {
		return p, auth.ErrUnauthenticated
	}
	if err != nil {
		return p, fmt.Errorf("authsql: find key: %w", err)
	}
	p.Scopes = strings.Split(scopes, ",")
	p.RateLimit, p.RateBurst = rate.Float64, int(burst.Int64)
	return p, nil
}

const keyColumns = `id, user_id, prefix, scopes, created_at, label, rate_limit, rate_burst, last_used_at, revoked_at`

func scanKey(sc interface{ Scan(...any) error }) (auth.Key, error) {
	var (
		k                 auth.Key
		scopes, created   string
		rate              sql.NullFloat64
		burst             sql.NullInt64
		lastUsed, revoked sql.NullString
	)
	if err := sc.Scan(&k.ID, &k.UserID, &k.Prefix, &scopes, &created, &k.Label, &rate, &burst, &lastUsed, &revoked); err != nil {
		return k, err
	}
	k.Scopes = strings.Split(scopes, ",")
	k.RateLimit, k.RateBurst = rate.Float64, int(burst.Int64)
	var err error
	if k.CreatedAt, err = sqldb.ParseTime(created); err != nil {
		return k, err
	}
	if lastUsed.Valid {
		if k.LastUsedAt, err = sqldb.ParseTime(lastUsed.String); err != nil {
			return k, err
		}
	}
	if revoked.Valid {
		if k.RevokedAt, err = sqldb.ParseTime(revoked.String); err != nil {
			return k, err
		}
	}
	return k, nil
}

// Keys lists a user's keys, oldest first.
func (s *Store) Keys(ctx context.Context, userID string) ([]auth.Key, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("authsql: list keys: %w", err)
	}
	defer rows.Close()
	out := []auth.Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("authsql: list keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authsql: list keys: %w", err)
	}
	return out, nil
}

// Key finds a key by id.
func (s *Store) Key(ctx context.Context, id string) (auth.Key, error) {
	k, err := scanKey(s.db.Read.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return k, auth.ErrKeyNotFound
	}
	if err != nil {
		return k, fmt.Errorf("authsql: find key: %w", err)
	}
	return k, nil
}

// RevokeKey marks a key revoked, keeping the first revocation time.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.Write.ExecContext(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, sqldb.FormatTime(at), id)
	if err != nil {
		return fmt.Errorf("authsql: revoke key: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		// MySQL counts changed rows: an already revoked key changes none.
		if _, err := s.Key(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// TouchKey sets a key's last_used_at.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time) error {
	if _, err := s.db.Write.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, sqldb.FormatTime(at), id); err != nil {
		return fmt.Errorf("authsql: touch key: %w", err)
	}
	return nil
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id string) (auth.User, error) {
	u := auth.User{ID: id}
	var created string
	err := s.db.Read.QueryRowContext(ctx, `SELECT name, created_at FROM users WHERE id = ?`, id).Scan(&u.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, auth.ErrUserNotFound
	}
	if err != nil {
		return u, fmt.Errorf("authsql: find user: %w", err)
	}
	u.CreatedAt, err = sqldb.ParseTime(created)
	return u, err
}

func nullFloat(f float64) any {
	if f == 0 {
		return nil
	}
	return f
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// UserByName finds a user.
func (s *Store) UserByName(ctx context.Context, name string) (auth.User, error) {
	u := auth.User{Name: name}
	var created string
	err := s.db.Read.QueryRowContext(ctx, `SELECT id, created_at FROM users WHERE name = ?`, name).Scan(&u.ID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, auth.ErrUserNotFound
	}
	if err != nil {
		return u, fmt.Errorf("authsql: find user: %w", err)
	}
	u.CreatedAt, err = sqldb.ParseTime(created)
	return u, err
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("authsql: count users: %w", err)
	}
	return n, nil
}
