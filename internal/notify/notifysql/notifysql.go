// Package notifysql is the notify.Registry on SQL (SQLite and MySQL share
// it): the connections table, and node liveness as leases.
package notifysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/sqldb"
)

// Registry is a notify.Registry on a sqldb.DB.
type Registry struct {
	db *sqldb.DB

	mu       sync.Mutex
	ins, del *sql.Stmt // Apply's statements, prepared once on the write pool
}

var _ notify.Registry = (*Registry)(nil)

// New returns a Registry on db.
func New(db *sqldb.DB) *Registry { return &Registry{db: db} }

const nodeLease = "node:"

// Add records a connection.
func (r *Registry) Add(ctx context.Context, rec notify.Record) error {
	_, err := r.db.Write.ExecContext(ctx, `INSERT INTO connections (id, node, user_id, connected_at, subscriptions) VALUES (?, ?, ?, ?, ?)`,
		rec.ID, rec.Node, rec.UserID, sqldb.FormatTime(rec.ConnectedAt), strings.Join(rec.Subscriptions, ","))
	if err != nil {
		return fmt.Errorf("notifysql: add connection: %w", err)
	}
	return nil
}

// Remove deletes a connection.
func (r *Registry) Remove(ctx context.Context, id string) error {
	if _, err := r.db.Write.ExecContext(ctx, `DELETE FROM connections WHERE id = ?`, id); err != nil {
		return fmt.Errorf("notifysql: remove connection: %w", err)
	}
	return nil
}

const (
	insertSQL = `INSERT INTO connections (id, node, user_id, connected_at, subscriptions) VALUES (?, ?, ?, ?, ?)`
	deleteSQL = `DELETE FROM connections WHERE id = ?`
)

// statements returns Apply's statements, preparing them on first use (and
// again after a failure).
func (r *Registry) statements(ctx context.Context) (ins, del *sql.Stmt, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ins == nil {
		if r.ins, err = r.db.Write.PrepareContext(ctx, insertSQL); err != nil {
			return nil, nil, err
		}
	}
	if r.del == nil {
		if r.del, err = r.db.Write.PrepareContext(ctx, deleteSQL); err != nil {
			return nil, nil, err
		}
	}
	return r.ins, r.del, nil
}

// Apply records adds and deletes removes in one transaction: the notifier
// gathers the connects and disconnects that come while a write runs into
// the next one. The statements are prepared once, not per call.
func (r *Registry) Apply(ctx context.Context, adds []notify.Record, removes []string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("notifysql: apply: %w", err)
		}
	}()
	ins, del, err := r.statements(ctx)
	if err != nil {
		return err
	}
	tx, err := r.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if len(adds) > 0 {
		st := tx.StmtContext(ctx, ins)
		for _, rec := range adds {
			if _, err := st.ExecContext(ctx, rec.ID, rec.Node, rec.UserID, sqldb.FormatTime(rec.ConnectedAt), strings.Join(rec.Subscriptions, ",")); err != nil {
				return err
			}
		}
	}
	if len(removes) > 0 {
		st := tx.StmtContext(ctx, del)
		for _, id := range removes {
			if _, err := st.ExecContext(ctx, id); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// SetSubscriptions records a connection's subscriptions.
func (r *Registry) SetSubscriptions(ctx context.Context, id string, subs []string) error {
	if _, err := r.db.Write.ExecContext(ctx, `UPDATE connections SET subscriptions = ? WHERE id = ?`, strings.Join(subs, ","), id); err != nil {
		return fmt.Errorf("notifysql: set subscriptions: %w", err)
	}
	return nil
}

const columns = `id, node, user_id, connected_at, subscriptions`

func scan(s interface{ Scan(...any) error }) (notify.Record, error) {
	var (
		rec      notify.Record
		at, subs string
	)
	if err := s.Scan(&rec.ID, &rec.Node, &rec.UserID, &at, &subs); err != nil {
		return rec, err
	}
	rec.ConnectedAt, _ = sqldb.ParseTime(at)
	rec.Subscriptions = []string{}
	if subs != "" {
		rec.Subscriptions = strings.Split(subs, ",")
	}
	return rec, nil
}

// Get returns one connection.
func (r *Registry) Get(ctx context.Context, id string) (notify.Record, error) {
	rec, err := scan(r.db.Read.QueryRowContext(ctx, `SELECT `+columns+` FROM connections WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return rec, notify.ErrConnNotFound
	}
	if err != nil {
		return rec, fmt.Errorf("notifysql: get connection: %w", err)
	}
	return rec, nil
}

// List returns up to limit connections, of one user if userID is set.
func (r *Registry) List(ctx context.Context, userID string, limit int) ([]notify.Record, error) {
	q, args := `SELECT `+columns+` FROM connections`, []any{}
	if userID != "" {
		q += ` WHERE user_id = ?`
		args = append(args, userID)
	}
	q += ` ORDER BY connected_at, id LIMIT ?`
	args = append(args, limit)
	rows, err := r.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notifysql: list connections: %w", err)
	}
	defer rows.Close()
	out := []notify.Record{}
	for rows.Next() {
		rec, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("notifysql: list connections: %w", err)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// Count returns the number of connections on every node.
func (r *Registry) Count(ctx context.Context) (int, error) {
	var n int
	if err := r.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM connections`).Scan(&n); err != nil {
		return 0, fmt.Errorf("notifysql: count connections: %w", err)
	}
	return n, nil
}

// Heartbeat marks node alive for ttl.
func (r *Registry) Heartbeat(ctx context.Context, node string, ttl time.Duration) error {
	ok, err := r.db.AcquireLease(ctx, nodeLease+node, node, ttl)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("notifysql: node name %q is held by another live process", node)
	}
	return nil
}

// RemoveNode deletes a stopping node's rows and liveness.
func (r *Registry) RemoveNode(ctx context.Context, node string) error {
	if _, err := r.db.Write.ExecContext(ctx, `DELETE FROM connections WHERE node = ?`, node); err != nil {
		return fmt.Errorf("notifysql: remove node: %w", err)
	}
	return r.db.ReleaseLease(ctx, nodeLease+node, node)
}

// LiveNodes counts the nodes whose liveness has not expired.
func (r *Registry) LiveNodes(ctx context.Context) (int, error) {
	var n int
	err := r.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM leases WHERE name LIKE 'node:%' AND expires_at > ?`,
		sqldb.FormatTime(time.Now())).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("notifysql: count live nodes: %w", err)
	}
	return n, nil
}

var _ notify.LiveNodes = (*Registry)(nil)

// Sweep deletes the connections of nodes whose liveness expired.
func (r *Registry) Sweep(ctx context.Context) (int64, error) {
	res, err := r.db.Write.ExecContext(ctx, `DELETE FROM connections WHERE node NOT IN
		(SELECT holder FROM leases WHERE name LIKE 'node:%' AND expires_at > ?)`, sqldb.FormatTime(time.Now()))
	if err != nil {
		return 0, fmt.Errorf("notifysql: sweep: %w", err)
	}
	return res.RowsAffected()
}
