package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AcquireLease makes holder the holder of the named lease until now+ttl if
// nobody else holds it unexpired, or extends it if holder already does. It
// reports whether holder holds the lease afterwards. Leases need the leases
// table (migration 0003).
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	until, nowS := FormatTime(now.Add(ttl)), FormatTime(now)
	res, err := db.Write.ExecContext(ctx, `UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)`,
		holder, until, name, holder, nowS)
	if err != nil {
		return false, fmt.Errorf("sqldb: lease %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	q := `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)`
	if db.Dialect == SQLite {
		q += ` ON CONFLICT (name) DO NOTHING`
	} else {
		q += ` ON DUPLICATE KEY UPDATE name = name`
	}
	res, err = db.Write.ExecContext(ctx, q, name, holder, until)
	if err != nil {
		return false, fmt.Errorf("sqldb: lease %s: %w", name, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseLease gives up the named lease if holder holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.Write.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	if err != nil {
		return fmt.Errorf("sqldb: release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the named lease ("" if nobody does),
// whether or not it has expired.
func (db *DB) LeaseHolder(ctx context.Context, name string) (string, error) {
	var holder string
	err := db.Write.QueryRowContext(ctx, `SELECT holder FROM leases WHERE name = ?`, name).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqldb: lease %s: %w", name, err)
	}
	return holder, nil
}

// TakeLease makes to the holder of the named lease until now+ttl if from
// still holds it, expired or not: a takeover from a holder known to be
// dead, which need not wait for its lease to expire. It reports whether to
// holds the lease afterwards.
func (db *DB) TakeLease(ctx context.Context, name, from, to string, ttl time.Duration) (bool, error) {
	res, err := db.Write.ExecContext(ctx, `UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND holder = ?`,
		to, FormatTime(time.Now().Add(ttl)), name, from)
	if err != nil {
		return false, fmt.Errorf("sqldb: take lease %s: %w", name, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
