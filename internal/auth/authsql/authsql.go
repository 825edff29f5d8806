// Package authsql is the auth.Store on SQL (SQLite and MySQL share it: the
// queries use only what both engines have).
package authsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

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
	if isDuplicate(err) {
		return auth.ErrUserExists
	}
	if err != nil {
		return fmt.Errorf("authsql: create user: %w", err)
	}
	if err := insertKey(ctx, tx, k); err != nil {
		return err
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
	_, err := e.ExecContext(ctx, `INSERT INTO api_keys (id, user_id, digest, prefix, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Digest, k.Prefix, strings.Join(k.Scopes, ","), sqldb.FormatTime(k.CreatedAt))
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
	)
	err := s.db.Read.QueryRowContext(ctx, `SELECT k.id, k.scopes, u.id, u.name FROM api_keys k JOIN users u ON u.id = k.user_id
		WHERE k.digest = ? AND k.revoked_at IS NULL`, digest).Scan(&p.KeyID, &scopes, &p.UserID, &p.UserName)
	if errors.Is(err, sql.ErrNoRows) {
		return p, auth.ErrUnauthenticated
	}
	if err != nil {
		return p, fmt.Errorf("authsql: find key: %w", err)
	}
	p.Scopes = strings.Split(scopes, ",")
	return p, nil
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

func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
