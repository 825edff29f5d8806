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
	var iss, sub any
	if !u.Identity.IsZero() {
		iss, sub = u.Identity.Issuer, u.Identity.Subject
	}
	scopes := strings.Join(u.Scopes, ",")
	if scopes == "" {
		scopes = auth.ScopeRead + "," + auth.ScopeWrite
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO users (id, name, created_at, jwt_issuer, jwt_subject, scopes) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Name, sqldb.FormatTime(u.CreatedAt), iss, sub, scopes)
	if sqldb.IsDuplicate(err) {
		if sub != nil {
			if _, ierr := s.UserByIdentity(ctx, u.Identity); ierr == nil {
				return auth.ErrIdentityTaken
			}
		}
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

// CreateKey stores a key, unless the user already holds
// auth.MaxKeysPerUser unrevoked ones. The count and the insert are one
// transaction, serialized per user (the user's row is locked on MySQL;
// SQLite's write transactions are serialized anyway), so concurrent
// creates cannot pass the limit together.
func (s *Store) CreateKey(ctx context.Context, k auth.Key) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("authsql: create key: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	lock := `SELECT id FROM users WHERE id = ?`
	if s.db.Dialect == sqldb.MySQL {
		lock += ` FOR UPDATE`
	}
	var id string
	if err := tx.QueryRowContext(ctx, lock, k.UserID).Scan(&id); errors.Is(err, sql.ErrNoRows) {
		return auth.ErrUserNotFound
	} else if err != nil {
		return fmt.Errorf("authsql: create key: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE user_id = ? AND revoked_at IS NULL`, k.UserID).Scan(&n); err != nil {
		return fmt.Errorf("authsql: create key: %w", err)
	}
	if n >= auth.MaxKeysPerUser {
		return auth.ErrTooManyKeys
	}
	if err := insertKey(ctx, tx, k); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("authsql: create key: commit: %w", err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertKey(ctx context.Context, e execer, k auth.Key) error {
	_, err := e.ExecContext(ctx, `INSERT INTO api_keys (id, user_id, digest, prefix, scopes, created_at, label, rate_limit, rate_burst, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Digest, k.Prefix, strings.Join(k.Scopes, ","), sqldb.FormatTime(k.CreatedAt), k.Label,
		nullFloat(k.RateLimit), nullInt(k.RateBurst), nullTime(k.ExpiresAt))
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
		exp    sql.NullString
	)
	err := s.db.Read.QueryRowContext(ctx, `SELECT k.id, k.scopes, k.rate_limit, k.rate_burst, k.expires_at, u.id, u.name FROM api_keys k JOIN users u ON u.id = k.user_id
		WHERE k.digest = ? AND k.revoked_at IS NULL`, digest).Scan(&p.KeyID, &scopes, &rate, &burst, &exp, &p.UserID, &p.UserName)
	if errors.Is(err, sql.ErrNoRows) {
		return p, auth.ErrUnauthenticated
	}
	if err != nil {
		return p, fmt.Errorf("authsql: find key: %w", err)
	}
	p.Scopes = strings.Split(scopes, ",")
	p.RateLimit, p.RateBurst = rate.Float64, int(burst.Int64)
	if exp.Valid {
		if p.ExpiresAt, err = sqldb.ParseTime(exp.String); err != nil {
			return auth.Principal{}, fmt.Errorf("authsql: find key: %w", err)
		}
	}
	return p, nil
}

const keyColumns = `id, user_id, prefix, scopes, created_at, label, rate_limit, rate_burst, last_used_at, revoked_at, expires_at`

func scanKey(sc interface{ Scan(...any) error }) (auth.Key, error) {
	var (
		k                 auth.Key
		scopes, created   string
		rate              sql.NullFloat64
		burst             sql.NullInt64
		lastUsed, revoked sql.NullString
		expires           sql.NullString
	)
	if err := sc.Scan(&k.ID, &k.UserID, &k.Prefix, &scopes, &created, &k.Label, &rate, &burst, &lastUsed, &revoked, &expires); err != nil {
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
	if expires.Valid {
		if k.ExpiresAt, err = sqldb.ParseTime(expires.String); err != nil {
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

// LiveKeys returns which of the keys named are neither revoked nor
// expired at now, 500 ids a query.
func (s *Store) LiveKeys(ctx context.Context, ids []string, now time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, 0, n+1)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		args = append(args, sqldb.FormatTime(now))
		rows, err := s.db.Read.QueryContext(ctx, `SELECT id FROM api_keys WHERE id IN (?`+strings.Repeat(", ?", n-1)+`)
			AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, args...)
		if err != nil {
			return nil, fmt.Errorf("authsql: live keys: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("authsql: live keys: %w", err)
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("authsql: live keys: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// CreateTicket stores a WebSocket ticket and drops the expired ones.
func (s *Store) CreateTicket(ctx context.Context, t auth.Ticket, now time.Time) error {
	if _, err := s.db.Write.ExecContext(ctx, `DELETE FROM ws_tickets WHERE expires_at <= ?`, sqldb.FormatTime(now)); err != nil {
		return fmt.Errorf("authsql: purge tickets: %w", err)
	}
	p := t.Principal
	var key, session any
	if p.KeyID != "" {
		key = p.KeyID
	}
	if p.SessionID != "" {
		session = p.SessionID
	}
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO ws_tickets (digest, user_id, key_id, session_id, scopes, method, cred_expires_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.Digest, p.UserID, key, session, strings.Join(p.Scopes, ","), p.Method, nullTime(p.ExpiresAt), sqldb.FormatTime(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("authsql: create ticket: %w", err)
	}
	return nil
}

// Ticket finds an unexpired ticket; with take it deletes it in the same
// transaction, and only the caller whose delete removed the row has it.
func (s *Store) Ticket(ctx context.Context, digest string, now time.Time, take bool) (auth.Ticket, error) {
	q := s.db.Read.QueryRowContext
	var tx *sql.Tx
	if take {
		var err error
		if tx, err = s.db.Write.BeginTx(ctx, nil); err != nil {
			return auth.Ticket{}, fmt.Errorf("authsql: ticket: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // no-op after commit
		q = tx.QueryRowContext
	}
	var (
		t                     = auth.Ticket{Digest: digest}
		key, session, credExp sql.NullString
		scopes, method, expS  string
	)
	err := q(ctx, `SELECT user_id, key_id, session_id, scopes, method, cred_expires_at, expires_at FROM ws_tickets WHERE digest = ? AND expires_at > ?`,
		digest, sqldb.FormatTime(now)).Scan(&t.Principal.UserID, &key, &session, &scopes, &method, &credExp, &expS)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Ticket{}, auth.ErrTicket
	}
	if err != nil {
		return auth.Ticket{}, fmt.Errorf("authsql: ticket: %w", err)
	}
	t.Principal.KeyID, t.Principal.SessionID, t.Principal.Method = key.String, session.String, method
	if scopes != "" {
		t.Principal.Scopes = strings.Split(scopes, ",")
	}
	if credExp.Valid {
		if t.Principal.ExpiresAt, err = sqldb.ParseTime(credExp.String); err != nil {
			return auth.Ticket{}, fmt.Errorf("authsql: ticket: %w", err)
		}
	}
	if t.ExpiresAt, err = sqldb.ParseTime(expS); err != nil {
		return auth.Ticket{}, fmt.Errorf("authsql: ticket: %w", err)
	}
	if !take {
		return t, nil
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM ws_tickets WHERE digest = ?`, digest)
	if err != nil {
		return auth.Ticket{}, fmt.Errorf("authsql: take ticket: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return auth.Ticket{}, auth.ErrTicket // another caller took it
	}
	if err := tx.Commit(); err != nil {
		return auth.Ticket{}, fmt.Errorf("authsql: take ticket: %w", err)
	}
	return t, nil
}

// TouchKey sets a key's last_used_at.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time) error {
	if _, err := s.db.Write.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, sqldb.FormatTime(at), id); err != nil {
		return fmt.Errorf("authsql: touch key: %w", err)
	}
	return nil
}

func nullFloat(f float64) any {
	if f == 0 {
		return nil
	}
	return f
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return sqldb.FormatTime(t)
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

const userColumns = `id, name, created_at, jwt_issuer, jwt_subject, scopes`

func scanUser(sc interface{ Scan(...any) error }) (auth.User, error) {
	var (
		u        auth.User
		created  string
		iss, sub []byte // VARBINARY on MySQL: compared and kept byte for byte
		scopes   string
	)
	if err := sc.Scan(&u.ID, &u.Name, &created, &iss, &sub, &scopes); err != nil {
		return u, err
	}
	u.Scopes = strings.Split(scopes, ",")
	if sub != nil {
		u.Identity = auth.Identity{Issuer: string(iss), Subject: string(sub)}
	}
	var err error
	u.CreatedAt, err = sqldb.ParseTime(created)
	return u, err
}

func (s *Store) user(ctx context.Context, where string, args ...any) (auth.User, error) {
	u, err := scanUser(s.db.Read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, auth.ErrUserNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("authsql: find user: %w", err)
	}
	return u, nil
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id string) (auth.User, error) {
	return s.user(ctx, `id = ?`, id)
}

// UserByName finds the user with exactly that name. The column's binary
// collation compares bytes on MySQL, but pads with spaces ("alice" =
// "alice "): the name read back must equal the one asked for.
func (s *Store) UserByName(ctx context.Context, name string) (auth.User, error) {
	u, err := s.user(ctx, `name = ?`, name)
	if err == nil && u.Name != name {
		return auth.User{}, auth.ErrUserNotFound
	}
	return u, err
}

// UserByIdentity finds the user bound to exactly that identity (VARBINARY
// columns on MySQL, so no collation, no padding; SQLite compares bytes).
func (s *Store) UserByIdentity(ctx context.Context, id auth.Identity) (auth.User, error) {
	u, err := s.user(ctx, `jwt_subject = ? AND jwt_issuer = ?`, id.Subject, id.Issuer)
	if err == nil && u.Identity != id {
		return auth.User{}, auth.ErrUserNotFound
	}
	return u, err
}

// BindIdentity binds id to a user that has none yet.
func (s *Store) BindIdentity(ctx context.Context, userID string, id auth.Identity) error {
	res, err := s.db.Write.ExecContext(ctx, `UPDATE users SET jwt_issuer = ?, jwt_subject = ? WHERE id = ? AND jwt_subject IS NULL`,
		id.Issuer, id.Subject, userID)
	if sqldb.IsDuplicate(err) {
		return auth.ErrIdentityTaken
	}
	if err != nil {
		return fmt.Errorf("authsql: bind identity: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	u, err := s.UserByID(ctx, userID)
	switch {
	case err != nil:
		return err
	case u.Identity == id:
		return nil
	}
	return auth.ErrIdentityBound
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("authsql: count users: %w", err)
	}
	return n, nil
}
