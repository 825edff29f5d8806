package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/sqldb"
)

// benchUserName names the user that owns the baseline's rows.
const benchUserName = "trx-bench-baseline"

// The baseline's SQL is the API's, as transactionsql writes it for one row: the
// same columns, the same placeholders, the same WHERE of a get. Keep them
// in step with transactionsql's columns when the schema grows.
const (
	benchColumns = `id, user_id, amount_minor, currency, description, counterparty, booked_at, category_id, created_at, updated_at, version, ` +
		`category_source, category_confidence, category_rule_id`
	benchInsert = `INSERT INTO transactions (` + benchColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	benchSelect = `SELECT ` + benchColumns + ` FROM transactions WHERE id = ? AND user_id = ?`
)

// dbTarget is the baseline: the API's inserts and selects straight through
// database/sql, on the pools sqldb.Open makes, with nothing in between.
// A create is one autocommit INSERT (durable when it returns, like the
// API's committed transaction); a get is one SELECT by primary key and user.
type dbTarget struct {
	db     *sqldb.DB
	userID string
}

// openBaseline opens the database at rawURL with a pool of poolSize
// connections and finds or creates the user that owns the baseline's rows.
func openBaseline(ctx context.Context, rawURL string, poolSize int) (*dbTarget, error) {
	db, err := sqldb.Open(ctx, sqldb.Config{URL: rawURL, MaxOpen: poolSize})
	if err != nil {
		return nil, fmt.Errorf("bench: baseline: %w", err)
	}
	if err := db.CheckUpToDate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("bench: baseline on %s (run trx migrate, or trx serve once, on it): %w", db.Where, err)
	}
	id, err := benchUser(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &dbTarget{db: db, userID: id}, nil
}

// benchUser returns the id of the baseline's user, creating it the first
// time, directly in the users table, so that the rows' foreign key holds.
func benchUser(ctx context.Context, db *sqldb.DB) (string, error) {
	var id string
	err := db.Write.QueryRowContext(ctx, `SELECT id FROM users WHERE name = ?`, benchUserName).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("bench: baseline: find user %s: %w", benchUserName, err)
	}
	id = uuid.Must(uuid.NewV7()).String()
	_, err = db.Write.ExecContext(ctx, `INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)`,
		id, benchUserName, sqldb.FormatTime(time.Now()))
	if err != nil {
		return "", fmt.Errorf("bench: baseline: create user %s: %w", benchUserName, err)
	}
	return id, nil
}

func (t *dbTarget) close() error { return t.db.Close() }

func (t *dbTarget) create(ctx context.Context, n uint64) (string, error) {
	r := newBenchRow(n)
	id := uuid.Must(uuid.NewV7()).String()
	now := sqldb.FormatTime(time.Now().UTC().Truncate(time.Microsecond))
	_, err := t.db.Write.ExecContext(ctx, benchInsert, id, t.userID, r.Minor, r.Currency, r.Description,
		sql.NullString{String: r.Counterparty, Valid: true}, sqldb.FormatTime(r.BookedAt), sql.NullString{},
		now, now, int64(1), sql.NullString{}, sql.NullInt64{}, sql.NullString{})
	if err != nil {
		return "", fmt.Errorf("INSERT transactions: %w", err)
	}
	return id, nil
}

func (t *dbTarget) get(ctx context.Context, id string) error {
	var (
		rowID, userID, currency, description   string
		bookedAt, createdAt, updatedAt         string
		counterparty, category, source, ruleID sql.NullString
		amount, version                        int64
		confidence                             sql.NullInt64
	)
	err := t.db.Read.QueryRowContext(ctx, benchSelect, id, t.userID).Scan(&rowID, &userID, &amount, &currency,
		&description, &counterparty, &bookedAt, &category, &createdAt, &updatedAt, &version, &source, &confidence, &ruleID)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("SELECT transactions by id: no row")
	}
	if err != nil {
		return fmt.Errorf("SELECT transactions by id: %w", err)
	}
	return nil
}
