// Package transactionsql is the transaction.Store on SQL, for SQLite and for
// MySQL/MariaDB. The two engines share one implementation because trx's
// queries are written in the SQL they have in common (the same '?'
// placeholders, types and keyset conditions); where they differ — how to
// insert-or-ignore, how to detect a duplicate key — the dialect decides, in
// plain sight in this file. The schemas are separate, in sqldb/migrations.
package transactionsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/transaction"
)

// Store is a transaction.Store on a sqldb.DB.
type Store struct {
	db     *sqldb.DB
	outbox bool         // record the writes' events in user_events (see WithOutbox)
	probe  int          // see candidateLimit; New sets it, tests lower it
	cap    sqldb.RowCap // the most transactions of one user (see WithRowCap)
	caps   *sqldb.CapTracker
}

var _ transaction.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithOutbox makes the store record the events that the Service hands it
// in the user_events outbox, in each write's own database transaction, for
// the relay to publish. Without it they are dropped: a deployment without
// an event stream would only pile them up.
func WithOutbox() Option { return func(s *Store) { s.outbox = true } }

// WithRowCap makes Insert refuse (409, naming c) a write that would take a
// user past c.Max transactions, counted in the write's own database
// transaction (default: no cap). While a user is far below it (a tenth of
// it free, by a count under a minute old), an insert skips the count: see
// sqldb.CapTracker.
func WithRowCap(c sqldb.RowCap) Option {
	return func(s *Store) { s.cap, s.caps = c, sqldb.NewCapTracker() }
}

// New returns a Store on db.
func New(db *sqldb.DB, opts ...Option) *Store {
	s := &Store{db: db, probe: candidateLimit}
	for _, o := range opts {
		o(s)
	}
	return s
}

const columns = `id, user_id, amount_minor, currency, description, counterparty, booked_at, category_id, created_at, updated_at, version, category_source, category_confidence, category_rule_id, account_id, import_id, import_key, transfer_id`

// insertChunk bounds the rows of one multi-row INSERT (18 placeholders a
// row, well under SQLite's and MySQL's limits).
const insertChunk = 200

// bulkChunk bounds the rows of one INSERT in InsertBatches: 18
// placeholders a row, 32,400 under SQLite's 32,766 (and MySQL's 65,535).
// The search trigger makes SQLite keep a statement journal, a copy of each
// page a statement changes, taken once per statement: an import's rows land
// all over the indexes, so fewer, larger statements copy fewer pages (for
// 20,000 rows, 1,800 a statement took about a fifth less CPU than 200).
const bulkChunk = 1800

// Insert adds txs in one database transaction, claiming idem's key first.
// A deadlock (MySQL can pick one among concurrent claims of one key as its
// victim) is retried: the transaction was rolled back whole.
func (s *Store) Insert(ctx context.Context, txs []transaction.Transaction, idem *transaction.IdempotencyRecord, events []transaction.Event) (*transaction.IdempotencyRecord, error) {
	if !s.outbox {
		events = nil
	}
	for attempt := 1; ; attempt++ {
		prior, err := s.insert(ctx, txs, idem, events)
		if err != nil && attempt < 4 && retryable(err) {
			continue
		}
		return prior, err
	}
}

// retryable reports whether err is MySQL's deadlock or lock wait timeout.
func retryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

func (s *Store) insert(ctx context.Context, txs []transaction.Transaction, idem *transaction.IdempotencyRecord, events []transaction.Event) (*transaction.IdempotencyRecord, error) {
	capped, err := s.capped(txs)
	if err != nil {
		return nil, err
	}
	if idem == nil && len(txs) <= insertChunk && len(events) == 0 && !capped {
		// One statement is atomic on its own: no BEGIN and COMMIT round trips.
		q, args := insertStatement(txs)
		if _, err := s.db.Write.ExecContext(ctx, q, args...); err != nil {
			return nil, fmt.Errorf("transactionsql: insert transactions: %w", err)
		}
		return nil, nil
	}
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("transactionsql: insert: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if idem != nil {
		claimed, err := s.claimKey(ctx, tx, idem)
		if err != nil {
			return nil, err
		}
		if !claimed {
			// Another request holds the key: it committed before our claim
			// returned (MySQL makes a duplicate insert wait for the holder;
			// SQLite has one writer), so its record is there to read.
			_ = tx.Rollback()
			prior, err := s.idempotencyRecord(ctx, idem.UserID, idem.Key)
			if err != nil {
				return nil, err
			}
			return prior, nil
		}
	}
	if capped {
		if err := sqldb.UnderCap(ctx, tx, s.db.Dialect, "transactions", txs[0].UserID, len(txs), s.cap, s.caps); err != nil {
			return nil, err
		}
	}
	for start := 0; start < len(txs); start += insertChunk {
		q, args := insertStatement(txs[start:min(start+insertChunk, len(txs))])
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return nil, fmt.Errorf("transactionsql: insert transactions: %w", err)
		}
	}
	if err := insertEvents(ctx, tx, events); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("transactionsql: insert: commit: %w", err)
	}
	return nil, nil
}

// InsertBatches adds the n transactions of userID that fill puts, and
// their events, in one database transaction (see transaction.Store). A
// deadlock is retried like Insert's, fill running again from the start.
func (s *Store) InsertBatches(ctx context.Context, userID string, n int, fill func(put func([]transaction.Transaction, []transaction.Event) error) error) error {
	for attempt := 1; ; attempt++ {
		err := s.insertBatches(ctx, userID, n, fill)
		if err != nil && attempt < 4 && retryable(err) {
			continue
		}
		return err
	}
}

func (s *Store) insertBatches(ctx context.Context, userID string, n int, fill func(put func([]transaction.Transaction, []transaction.Event) error) error) error {
	capped := s.cap.Max > 0 && n > 0 && !s.caps.Far(userID, n, s.cap)
	conn, err := s.db.Write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("transactionsql: insert: connect: %w", err)
	}
	defer conn.Close()
	if s.db.Dialect == sqldb.SQLite {
		// The rows of a large insert land all over the transactions'
		// indexes: with SQLite's default page cache (2 MiB) the pages they
		// touch spill to the WAL and are read back over and over. For this
		// transaction the connection gets a larger cache, and the default
		// again after it (which frees the pages). (Keeping the statement
		// journal in memory too, temp_store, was slower, measured.)
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB)); err != nil {
			return fmt.Errorf("transactionsql: insert: cache size: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000") //nolint:errcheck // a failure leaves only a larger cache
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("transactionsql: insert: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if capped {
		if err := sqldb.UnderCap(ctx, tx, s.db.Dialect, "transactions", userID, n, s.cap, s.caps); err != nil {
			return err
		}
	}
	stored := 0
	put := func(txs []transaction.Transaction, events []transaction.Event) error {
		if stored += len(txs); stored > n {
			return fmt.Errorf("transactionsql: insert: more than the %d transactions announced", n)
		}
		for start := 0; start < len(txs); start += bulkChunk {
			chunk := txs[start:min(start+bulkChunk, len(txs))]
			for _, t := range chunk {
				if t.UserID != userID {
					return errors.New("transactionsql: insert: the transactions of one insert belong to one user")
				}
			}
			q, args := insertStatement(chunk)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("transactionsql: insert transactions: %w", err)
			}
		}
		if s.outbox {
			return insertEvents(ctx, tx, events)
		}
		return nil
	}
	if err := fill(put); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("transactionsql: insert: commit: %w", err)
	}
	return nil
}

// bulkCacheKiB is SQLite's page cache during InsertBatches, in KiB.
const bulkCacheKiB = 32 << 10

// capped reports whether the insert of txs, which are one user's, must
// count the user's rows against the cap: there is one, and the user is not
// known to be far below it.
func (s *Store) capped(txs []transaction.Transaction) (bool, error) {
	if s.cap.Max <= 0 || len(txs) == 0 {
		return false, nil
	}
	for _, t := range txs[1:] {
		if t.UserID != txs[0].UserID {
			return false, errors.New("transactionsql: insert: the transactions of one insert belong to one user")
		}
	}
	return !s.caps.Far(txs[0].UserID, len(txs), s.cap), nil
}

// insertStatement is one multi-row INSERT of txs.
func insertStatement(txs []transaction.Transaction) (string, []any) {
	var sb strings.Builder
	sb.WriteString("INSERT INTO transactions (" + columns + ") VALUES ")
	args := make([]any, 0, len(txs)*18)
	for i, t := range txs {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, t.ID, t.UserID, t.Amount, t.Currency, t.Description, nullable(t.Counterparty),
			sqldb.FormatTime(t.BookedAt), nullable(t.CategoryID), sqldb.FormatTime(t.CreatedAt), sqldb.FormatTime(t.UpdatedAt), t.Version,
			nullable(t.CategorySource), confidence(t), nullable(t.CategoryRuleID),
			nullable(t.AccountID), nullable(t.ImportID), nullable(t.ImportKey), nullable(t.TransferID))
	}
	return sb.String(), args
}

// claimKey inserts the idempotency record unless the key exists; it reports
// whether this call inserted it.
func (s *Store) claimKey(ctx context.Context, tx *sql.Tx, r *transaction.IdempotencyRecord) (bool, error) {
	q := `INSERT INTO idempotency_keys (user_id, idem_key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)`
	switch s.db.Dialect {
	case sqldb.SQLite:
		q += ` ON CONFLICT (user_id, idem_key) DO NOTHING`
	case sqldb.MySQL:
		q += ` ON DUPLICATE KEY UPDATE idem_key = idem_key`
	}
	res, err := tx.ExecContext(ctx, q, r.UserID, r.Key, r.RequestHash, r.Response, sqldb.FormatTime(r.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("transactionsql: claim idempotency key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("transactionsql: claim idempotency key: %w", err)
	}
	return n == 1, nil
}

func (s *Store) idempotencyRecord(ctx context.Context, userID, key string) (*transaction.IdempotencyRecord, error) {
	r := transaction.IdempotencyRecord{UserID: userID, Key: key}
	var created string
	err := s.db.Write.QueryRowContext(ctx,
		`SELECT request_hash, response, created_at FROM idempotency_keys WHERE user_id = ? AND idem_key = ?`, userID, key,
	).Scan(&r.RequestHash, &r.Response, &created)
	if err != nil {
		return nil, fmt.Errorf("transactionsql: read idempotency key: %w", err)
	}
	if r.CreatedAt, err = sqldb.ParseTime(created); err != nil {
		return nil, err
	}
	return &r, nil
}

// Get returns one transaction of a user.
func (s *Store) Get(ctx context.Context, userID, id string) (transaction.Transaction, error) {
	row := s.db.Read.QueryRowContext(ctx, `SELECT `+columns+` FROM transactions WHERE id = ? AND user_id = ?`, id, userID)
	t, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return t, transaction.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("transactionsql: get: %w", err)
	}
	return t, nil
}

// Update writes t if the stored version is t.Version-1, with its events.
func (s *Store) Update(ctx context.Context, t transaction.Transaction, events []transaction.Event) error {
	if !s.outbox {
		events = nil
	}
	var res sql.Result
	err := s.write(ctx, events, func(ex execer) (sql.Result, error) {
		var err error
		res, err = s.update(ctx, ex, t)
		return res, err
	})
	if err != nil {
		return err
	}
	return s.missed(ctx, res, t.UserID, t.ID)
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// write runs one write statement, and when there are events records them
// with it in one database transaction; a statement that changed no row
// records nothing.
func (s *Store) write(ctx context.Context, events []transaction.Event, stmt func(execer) (sql.Result, error)) error {
	if len(events) == 0 {
		_, err := stmt(s.db.Write)
		return err
	}
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("transactionsql: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	res, err := stmt(tx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // rolled back: nothing changed, no event
	}
	if err := insertEvents(ctx, tx, events); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("transactionsql: commit: %w", err)
	}
	return nil
}

func (s *Store) update(ctx context.Context, ex execer, t transaction.Transaction) (sql.Result, error) {
	res, err := ex.ExecContext(ctx, `UPDATE transactions
		SET amount_minor = ?, currency = ?, description = ?, counterparty = ?, booked_at = ?, category_id = ?, updated_at = ?, version = ?,
		    category_source = ?, category_confidence = ?, category_rule_id = ?, account_id = ?
		WHERE id = ? AND user_id = ? AND version = ?`,
		t.Amount, t.Currency, t.Description, nullable(t.Counterparty), sqldb.FormatTime(t.BookedAt), nullable(t.CategoryID),
		sqldb.FormatTime(t.UpdatedAt), t.Version, nullable(t.CategorySource), confidence(t), nullable(t.CategoryRuleID),
		nullable(t.AccountID), t.ID, t.UserID, t.Version-1)
	if err != nil {
		return nil, fmt.Errorf("transactionsql: update: %w", err)
	}
	return res, nil
}

// Delete removes a row; ifVersion > 0 makes it conditional.
func (s *Store) Delete(ctx context.Context, userID, id string, ifVersion int64) error {
	q := `DELETE FROM transactions WHERE id = ? AND user_id = ?`
	args := []any{id, userID}
	if ifVersion > 0 {
		q += ` AND version = ?`
		args = append(args, ifVersion)
	}
	res, err := s.db.Write.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("transactionsql: delete: %w", err)
	}
	return s.missed(ctx, res, userID, id)
}

// missed turns "no row changed" into ErrNotFound or ErrVersionMismatch.
func (s *Store) missed(ctx context.Context, res sql.Result, userID, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("transactionsql: rows affected: %w", err)
	}
	if n == 1 {
		return nil
	}
	var one int
	err = s.db.Write.QueryRowContext(ctx, `SELECT 1 FROM transactions WHERE id = ? AND user_id = ?`, id, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return transaction.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("transactionsql: check row: %w", err)
	}
	return transaction.ErrVersionMismatch
}

// PurgeIdempotency forgets keys created before t.
func (s *Store) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.Write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, sqldb.FormatTime(before))
	if err != nil {
		return 0, fmt.Errorf("transactionsql: purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// confidence is NULL for a category nobody or a person decided.
func confidence(t transaction.Transaction) sql.NullInt64 {
	return sql.NullInt64{Int64: int64(t.CategoryConfidence), Valid: transaction.Automatic(t.CategorySource)}
}

type scanner interface{ Scan(dest ...any) error }

func scan(r scanner) (transaction.Transaction, error) {
	var (
		t                              transaction.Transaction
		counterparty, category         sql.NullString
		source, ruleID                 sql.NullString
		account, imp, impKey, transfer sql.NullString
		conf                           sql.NullInt64
		bookedAt, createdAt, updatedAt string
	)
	if err := r.Scan(&t.ID, &t.UserID, &t.Amount, &t.Currency, &t.Description, &counterparty, &bookedAt, &category,
		&createdAt, &updatedAt, &t.Version, &source, &conf, &ruleID, &account, &imp, &impKey, &transfer); err != nil {
		return t, err
	}
	t.AccountID, t.ImportID, t.ImportKey, t.TransferID = account.String, imp.String, impKey.String, transfer.String
	t.Counterparty, t.CategoryID = counterparty.String, category.String
	t.CategorySource, t.CategoryConfidence, t.CategoryRuleID = source.String, int(conf.Int64), ruleID.String
	var err error
	if t.BookedAt, err = sqldb.ParseTime(bookedAt); err != nil {
		return t, err
	}
	if t.CreatedAt, err = sqldb.ParseTime(createdAt); err != nil {
		return t, err
	}
	if t.UpdatedAt, err = sqldb.ParseTime(updatedAt); err != nil {
		return t, err
	}
	return t, nil
}
