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

var _ auth.SessionStore = (*Store)(nil)

// Credentials finds the user with exactly that name and its password hash.
func (s *Store) Credentials(ctx context.Context, name string) (auth.User, string, error) {
	var hash sql.NullString
	row := s.db.Read.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE name = ?`, name)
	u, err := scanUser(scanAlso{row, &hash})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.Name != name) { // MySQL pads: "alice " = "alice"
		return auth.User{}, "", auth.ErrUserNotFound
	}
	if err != nil {
		return auth.User{}, "", fmt.Errorf("authsql: credentials: %w", err)
	}
	return u, hash.String, nil
}

// scanAlso scans the user's columns and then more.
type scanAlso struct {
	row  interface{ Scan(...any) error }
	more *sql.NullString
}

func (s scanAlso) Scan(dest ...any) error { return s.row.Scan(append(dest, s.more)...) }

// SetPassword stores the hash and deletes the user's sessions, together.
func (s *Store) SetPassword(ctx context.Context, userID, hash string) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("authsql: set password: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
	if err != nil {
		return fmt.Errorf("authsql: set password: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return auth.ErrUserNotFound // (MySQL counts changed rows; a new salt always changes it)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("authsql: end sessions: %w", err)
	}
	// Tickets made with those sessions would be refused anyway (the
	// session is checked at redemption); drop them now.
	if _, err := tx.ExecContext(ctx, `DELETE FROM ws_tickets WHERE user_id = ? AND session_id IS NOT NULL`, userID); err != nil {
		return fmt.Errorf("authsql: end sessions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("authsql: set password: commit: %w", err)
	}
	return nil
}

// CreateSession stores a session and drops the expired ones.
func (s *Store) CreateSession(ctx context.Context, ses auth.Session, now time.Time) error {
	if _, err := s.db.Write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, sqldb.FormatTime(now)); err != nil {
		return fmt.Errorf("authsql: purge sessions: %w", err)
	}
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO sessions (id, user_id, digest, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, ses.ID, ses.UserID, ses.Digest, ses.UserAgent, sqldb.FormatTime(ses.CreatedAt),
		sqldb.FormatTime(ses.LastSeenAt), sqldb.FormatTime(ses.ExpiresAt))
	if err != nil {
		return fmt.Errorf("authsql: create session: %w", err)
	}
	return nil
}

const sessionColumns = `s.id, s.user_id, s.digest, s.user_agent, s.created_at, s.last_seen_at, s.expires_at`

func scanSession(sc interface{ Scan(...any) error }, more ...any) (auth.Session, error) {
	var (
		ses                    auth.Session
		created, seen, expires string
	)
	if err := sc.Scan(append([]any{&ses.ID, &ses.UserID, &ses.Digest, &ses.UserAgent, &created, &seen, &expires}, more...)...); err != nil {
		return ses, err
	}
	var err error
	if ses.CreatedAt, err = sqldb.ParseTime(created); err != nil {
		return ses, err
	}
	if ses.LastSeenAt, err = sqldb.ParseTime(seen); err != nil {
		return ses, err
	}
	ses.ExpiresAt, err = sqldb.ParseTime(expires)
	return ses, err
}

// live is the condition of a live session: before its end, seen since.
const live = `s.expires_at > ? AND s.last_seen_at > ?`

// PrincipalBySession finds the live session with that digest.
func (s *Store) PrincipalBySession(ctx context.Context, digest string, now, idleSince time.Time) (auth.Principal, auth.Session, error) {
	var name, scopes string
	row := s.db.Read.QueryRowContext(ctx, `SELECT `+sessionColumns+`, u.name, u.scopes FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.digest = ? AND `+live, digest, sqldb.FormatTime(now), sqldb.FormatTime(idleSince))
	ses, err := scanSession(row, &name, &scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Principal{}, auth.Session{}, auth.ErrNoSession
	}
	if err != nil {
		return auth.Principal{}, auth.Session{}, fmt.Errorf("authsql: find session: %w", err)
	}
	p := auth.Principal{UserID: ses.UserID, UserName: name, SessionID: ses.ID, Scopes: strings.Split(scopes, ","),
		Method: auth.MethodSession, ExpiresAt: ses.ExpiresAt}
	return p, ses, nil
}

// Sessions lists the user's live sessions, newest first.
func (s *Store) Sessions(ctx context.Context, userID string, now, idleSince time.Time) ([]auth.Session, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions s WHERE s.user_id = ? AND `+live+`
		ORDER BY s.created_at DESC, s.id DESC`, userID, sqldb.FormatTime(now), sqldb.FormatTime(idleSince))
	if err != nil {
		return nil, fmt.Errorf("authsql: list sessions: %w", err)
	}
	defer rows.Close()
	out := []auth.Session{}
	for rows.Next() {
		ses, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("authsql: list sessions: %w", err)
		}
		out = append(out, ses)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authsql: list sessions: %w", err)
	}
	return out, nil
}

// DeleteSession deletes one session, by id (of the user, when userID is
// set) or by digest, and returns it.
func (s *Store) DeleteSession(ctx context.Context, userID, id, digest string) (auth.Session, error) {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return auth.Session{}, fmt.Errorf("authsql: delete session: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	where, arg := `s.digest = ?`, digest
	if id != "" {
		where, arg = `s.id = ?`, id
	}
	ses, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions s WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && userID != "" && ses.UserID != userID) {
		return auth.Session{}, auth.ErrSessionNotFound
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("authsql: delete session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, ses.ID); err != nil {
		return auth.Session{}, fmt.Errorf("authsql: delete session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM ws_tickets WHERE session_id = ?`, ses.ID); err != nil {
		return auth.Session{}, fmt.Errorf("authsql: delete session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return auth.Session{}, fmt.Errorf("authsql: delete session: commit: %w", err)
	}
	return ses, nil
}

// TouchSession sets a session's last_seen_at (never backwards).
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	t := sqldb.FormatTime(at)
	if _, err := s.db.Write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`, t, id, t); err != nil {
		return fmt.Errorf("authsql: touch session: %w", err)
	}
	return nil
}

// SessionLive reports whether the session is live.
func (s *Store) SessionLive(ctx context.Context, id string, now, idleSince time.Time) (bool, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions s WHERE s.id = ? AND `+live,
		id, sqldb.FormatTime(now), sqldb.FormatTime(idleSince)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("authsql: session live: %w", err)
	}
	return n == 1, nil
}
