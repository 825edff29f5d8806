package backup_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/backup"
	"github.com/trx-platform/trx/internal/sqldb"
)

// openSQLite opens (and migrates) the database of a new data directory.
func openSQLite(t *testing.T) (*sqldb.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := sqldb.Open(context.Background(), sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, dir
}

// openAt opens a new SQLite database migrated only up to version v, as an
// older trx left it.
func openAt(t *testing.T, v int) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Status(ctx); err != nil { // creates schema_migrations
		t.Fatal(err)
	}
	ms, err := sqldb.Migrations(sqldb.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:v] {
		for _, s := range m.Statements {
			if _, err := db.Write.ExecContext(ctx, s); err != nil {
				t.Fatalf("migration %d: %v", m.Version, err)
			}
		}
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, sqldb.FormatTime(time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// latest is the schema version of this trx.
func latest(t *testing.T) int {
	t.Helper()
	ms, err := sqldb.Migrations(sqldb.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func exec(t *testing.T, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, query string, args ...any) {
	t.Helper()
	if _, err := q.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func addUser(t *testing.T, db *sqldb.DB, id, name string) {
	t.Helper()
	exec(t, db.Write, `INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)`, id, name, sqldb.FormatTime(time.Now()))
}

func addTransaction(t *testing.T, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, id, userID string, minor int64, desc string) {
	t.Helper()
	now := sqldb.FormatTime(time.Now())
	exec(t, q, `INSERT INTO transactions (id, user_id, amount_minor, currency, description, booked_at, created_at, updated_at, version)
		VALUES (?, ?, ?, 'EUR', ?, ?, ?, ?, 1)`, id, userID, minor, desc, now, now, now)
}

// dump returns every row of every table of the SQLite database at path
// (or of db), each table's rows as sorted text, leaving out the tables
// named in except.
func dump(t *testing.T, db *sql.DB, except ...string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, tb := range tables {
		if contains(except, tb) {
			continue
		}
		rs, err := db.QueryContext(ctx, `SELECT * FROM `+tb)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		var lines []string
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			parts := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
			lines = append(lines, strings.Join(parts, " "))
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		rs.Close()
		sort.Strings(lines)
		out[tb] = lines
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func openFile(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestBackupUnderWritesThenRestore takes a backup while writers commit,
// each writer's commits in order, each commit a transaction row and a
// stock price update (with its captured change) together. The restored
// snapshot must hold, for every writer, a prefix of its commits, each one
// whole; every restored row must equal the live row; and a backup taken
// when the writers have stopped must restore to every row of the live
// database, the old server's runtime state (connections, leases) aside.
func TestBackupUnderWritesThenRestore(t *testing.T) {
	const seedRows = 5000
	ctx := context.Background()
	db, _ := openSQLite(t)
	addUser(t, db, "u1", "alice")
	// Enough rows that the snapshot takes a while, so that writes can land
	// during it (the checks below hold whether or not they do).
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range seedRows {
		addTransaction(t, tx, fmt.Sprintf("seed-%05d", i), "u1", int64(-i), strings.Repeat("seed row ", 10))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	exec(t, db.Write, `INSERT INTO leases (name, holder, expires_at) VALUES ('stock-relay', 'old-node', ?)`, sqldb.FormatTime(time.Now().Add(time.Hour)))
	exec(t, db.Write, `INSERT INTO connections (id, node, user_id, connected_at, subscriptions) VALUES ('c1', 'old-node', 'u1', ?, '[]')`, sqldb.FormatTime(time.Now()))

	const writers = 4
	var (
		mu      sync.Mutex
		commits [writers]int
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		errs    = make(chan error, writers)
	)
	for w := range writers {
		exec(t, db.Write, `INSERT INTO stocks (symbol, name, price_micros, currency, updated_at) VALUES (?, 'writer', 0, 'USD', ?)`,
			fmt.Sprintf("W%d", w), sqldb.FormatTime(time.Now()))
	}
	progress := make(chan struct{}, 1)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				err := func() error {
					tx, err := db.Write.BeginTx(ctx, nil)
					if err != nil {
						return err
					}
					defer tx.Rollback() //nolint:errcheck // no-op after commit
					now := sqldb.FormatTime(time.Now())
					if _, err := tx.ExecContext(ctx, `INSERT INTO transactions (id, user_id, amount_minor, currency, description, booked_at, created_at, updated_at, version)
						VALUES (?, 'u1', ?, 'EUR', ?, ?, ?, ?, 1)`, fmt.Sprintf("w%d-%06d", w, n), n, fmt.Sprintf("writer %d commit %d", w, n), now, now, now); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, `UPDATE stocks SET price_micros = ? WHERE symbol = ?`, n, fmt.Sprintf("W%d", w)); err != nil {
						return err
					}
					return tx.Commit()
				}()
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				commits[w] = n
				mu.Unlock()
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		}()
	}
	total := func() int {
		mu.Lock()
		defer mu.Unlock()
		s := 0
		for _, c := range commits {
			s += c
		}
		return s
	}
	waitFor := func(n int) {
		t.Helper()
		for total() < n {
			select {
			case <-progress:
			case err := <-errs:
				t.Fatalf("writer: %v", err)
			}
		}
	}
	waitFor(50)

	out := filepath.Join(t.TempDir(), "during.tar")
	m, err := backup.Snapshot(ctx, db, out, backup.Options{TrxVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	after := total()
	waitFor(after + 50) // the writers went on while and after the snapshot ran
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("writer: %v", err)
	default:
	}

	if m.Format != backup.Format || m.TrxVersion != "test" || m.Engine != "sqlite" || m.SchemaVersion != latest(t) || m.Size == 0 || len(m.SHA256) != 64 {
		t.Fatalf("manifest %+v", m)
	}
	data := filepath.Join(t.TempDir(), "restored")
	res, err := backup.Restore(ctx, out, data, backup.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Database != filepath.Join(data, "trx.db") || len(res.Migrated) != 0 {
		t.Fatalf("result %+v", res)
	}
	restored := openFile(t, res.Database)

	// Each writer's commits are a prefix, and each is whole: the
	// transaction row, the price and the captured change agree.
	for w := range writers {
		var rowsN, maxN, price, changes int
		if err := restored.QueryRow(`SELECT COUNT(*), COALESCE(MAX(amount_minor), 0) FROM transactions WHERE id LIKE ?`, fmt.Sprintf("w%d-%%", w)).Scan(&rowsN, &maxN); err != nil {
			t.Fatal(err)
		}
		if err := restored.QueryRow(`SELECT price_micros FROM stocks WHERE symbol = ?`, fmt.Sprintf("W%d", w)).Scan(&price); err != nil {
			t.Fatal(err)
		}
		if err := restored.QueryRow(`SELECT COUNT(*) FROM stock_changes WHERE symbol = ?`, fmt.Sprintf("W%d", w)).Scan(&changes); err != nil {
			t.Fatal(err)
		}
		if rowsN != maxN || price != maxN || changes != maxN+1 {
			t.Errorf("writer %d: %d rows up to commit %d, price %d, %d changes: not one consistent state", w, rowsN, maxN, price, changes)
		}
	}
	var lastID, pending int64
	if err := restored.QueryRow(`SELECT MAX(id), COUNT(*) FROM stock_changes WHERE published_at IS NULL`).Scan(&lastID, &pending); err != nil {
		t.Fatal(err)
	}
	if m.Changes.LastID != lastID || m.Changes.Pending != pending {
		t.Errorf("manifest changes %+v, the snapshot has last id %d, %d pending", m.Changes, lastID, pending)
	}

	// Every restored row is the live row (rows are only added, but for
	// the writers' stocks, checked above).
	live := dump(t, db.Read)
	got := dump(t, restored)
	for table, lines := range got {
		if table == "stocks" || table == "connections" || table == "leases" {
			continue
		}
		if strings.HasPrefix(table, "transaction_search_fts") {
			// The search index's pages: merged as rows are added, so not
			// a prefix of the live ones; checkSearchIndex checks it below.
			continue
		}
		have := map[string]bool{}
		for _, l := range live[table] {
			have[l] = true
		}
		for _, l := range lines {
			if !have[l] {
				t.Errorf("%s: restored row %q is not in the live database", table, l)
			}
		}
	}
	checkSearchIndex(t, restored)
	if len(got["connections"]) != 0 || len(got["leases"]) != 0 {
		t.Errorf("the old server's state was restored: connections %v, leases %v", got["connections"], got["leases"])
	}

	// Quiet now: a new backup restores to exactly the live database.
	out2 := filepath.Join(t.TempDir(), "after.tar")
	if _, err := backup.Snapshot(ctx, db, out2, backup.Options{}); err != nil {
		t.Fatal(err)
	}
	data2 := t.TempDir()
	res2, err := backup.Restore(ctx, out2, data2, backup.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := dump(t, db.Read, "connections", "leases")
	if diff := cmp.Diff(want, dump(t, openFile(t, res2.Database), "connections", "leases")); diff != "" {
		t.Errorf("restored database differs from the live one (-live +restored):\n%s", diff)
	}
	if n := len(want["transactions"]); n != seedRows+total() {
		t.Errorf("%d transactions, want %d", n, seedRows+total())
	}

	// trx serve opens the restored directory as it is.
	rdb, err := sqldb.Open(ctx, sqldb.Config{DataDir: data2})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := rdb.CheckUpToDate(ctx); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "b.tar")
	if _, err := backup.Snapshot(context.Background(), db, out, backup.Options{TrxVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDamagedArchiveRefused: a truncated or corrupted archive, or a file
// that is no archive, is refused with an error that says which, and the
// target directory is left as it was.
func TestDamagedArchiveRefused(t *testing.T) {
	db, _ := openSQLite(t)
	addUser(t, db, "u1", "alice")
	addTransaction(t, db.Write, "t1", "u1", -350, "coffee")
	good, err := os.ReadFile(snapshot(t, db))
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.Verify(snapshot(t, db))
	if err != nil {
		t.Fatal(err)
	}
	dbStart := int64(bytes.Index(good, []byte("SQLite format 3\x00")))
	if dbStart < 512 {
		t.Fatalf("the database starts at %d", dbStart)
	}
	dbEnd := dbStart + m.Size
	padded := dbStart + (m.Size+511)/512*512
	flip := func(at int64) []byte {
		b := append([]byte(nil), good...)
		b[at] ^= 0x40
		return b
	}
	tests := []struct {
		name    string
		data    []byte
		want    error
		message string
	}{
		{"empty file", nil, backup.ErrTruncated, "no database entry"},
		{"cut in the database", good[:dbStart+m.Size/2], backup.ErrTruncated, "ends after"},
		{"cut after the database", good[:dbEnd], backup.ErrTruncated, "manifest is missing"},
		{"cut in the manifest", good[:padded+512+100], backup.ErrTruncated, "manifest is cut short"},
		{"a byte of the database changed", flip(dbStart + m.Size/3), backup.ErrCorrupt, "SHA-256"},
		{"a byte of a header changed", flip(dbStart - 512 + 1), backup.ErrCorrupt, "invalid tar header"},
		{"not an archive", []byte(strings.Repeat("SQLite format 3\x00", 100)), backup.ErrCorrupt, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "damaged.tar")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := backup.Verify(path); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("Verify: %v, want %v mentioning %q", err, tt.want, tt.message)
			}
			data := filepath.Join(t.TempDir(), "data")
			_, err := backup.Restore(context.Background(), path, data, backup.RestoreOptions{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Restore: %v, want %v", err, tt.want)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused restore left the data directory it made: %v", err)
			}
		})
	}
}

// TestRestoreOlderSchema: a backup made at schema version 2 is restored
// and migrated to this trx's schema, its data kept.
func TestRestoreOlderSchema(t *testing.T) {
	ctx := context.Background()
	old := openAt(t, 2)
	addUser(t, old, "u1", "alice")
	addTransaction(t, old.Write, "t1", "u1", -350, "coffee")
	path := filepath.Join(t.TempDir(), "old.tar")
	m, err := backup.Snapshot(ctx, old, path, backup.Options{TrxVersion: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if m.SchemaVersion != 2 || m.Changes != (backup.ChangeState{}) {
		t.Fatalf("manifest %+v, want schema version 2 and no change table", m)
	}
	data := t.TempDir()
	res, err := backup.Restore(ctx, path, data, backup.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var applied, want []int
	for _, mg := range res.Migrated {
		applied = append(applied, mg.Version)
	}
	for v := 3; v <= latest(t); v++ {
		want = append(want, v)
	}
	if diff := cmp.Diff(want, applied); diff != "" {
		t.Errorf("migrations applied (-want +got):\n%s", diff)
	}
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckUpToDate(ctx); err != nil {
		t.Fatal(err)
	}
	var desc string
	if err := db.Read.QueryRow(`SELECT description FROM transactions WHERE id = 't1' AND user_id = 'u1'`).Scan(&desc); err != nil || desc != "coffee" {
		t.Fatalf("restored transaction: %q, %v", desc, err)
	}
}

// TestRestoreNewerSchemaRefused: a backup of a database that a newer trx
// migrated is refused, naming the version it needs.
func TestRestoreNewerSchemaRefused(t *testing.T) {
	db, _ := openSQLite(t)
	exec(t, db.Write, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', ?)`, sqldb.FormatTime(time.Now()))
	path := filepath.Join(t.TempDir(), "new.tar")
	if _, err := backup.Snapshot(context.Background(), db, path, backup.Options{TrxVersion: "v9.0.0"}); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	_, err := backup.Restore(context.Background(), path, data, backup.RestoreOptions{})
	if !errors.Is(err, backup.ErrSchemaTooNew) || !strings.Contains(err.Error(), "schema version 99") || !strings.Contains(err.Error(), "v9.0.0") {
		t.Fatalf("Restore: %v, want ErrSchemaTooNew naming version 99 and trx v9.0.0", err)
	}
	if left, _ := os.ReadDir(data); len(left) != 0 {
		t.Errorf("a refused restore left %v", left)
	}
}

// TestRestoreTarget: a directory with files is refused unless Force; with
// Force the old database is moved aside, not deleted; a database that is
// open (a running server) is refused even with Force.
func TestRestoreTarget(t *testing.T) {
	ctx := context.Background()
	src, _ := openSQLite(t)
	addUser(t, src, "u1", "restored-user")
	path := snapshot(t, src)

	target, data := openSQLite(t)
	addUser(t, target, "u2", "old-user")
	if _, err := backup.Restore(ctx, path, data, backup.RestoreOptions{}); !errors.Is(err, backup.ErrNotEmpty) || !strings.Contains(err.Error(), "trx.db") {
		t.Fatalf("into a directory with a database: %v, want ErrNotEmpty naming trx.db", err)
	}
	if _, err := backup.Restore(ctx, path, data, backup.RestoreOptions{Force: true}); !errors.Is(err, backup.ErrInUse) {
		t.Fatalf("over an open database: %v, want ErrInUse", err)
	}
	target.Close()
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	res, err := backup.Restore(ctx, path, data, backup.RestoreOptions{Force: true, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Replaced) == 0 || res.Replaced[0] != filepath.Join(data, "trx.db.replaced-20261201T120000Z") {
		t.Fatalf("replaced %v", res.Replaced)
	}
	var name string
	if err := openFile(t, res.Replaced[0]).QueryRow(`SELECT name FROM users`).Scan(&name); err != nil || name != "old-user" {
		t.Errorf("the database moved aside holds %q, %v", name, err)
	}
	if err := openFile(t, res.Database).QueryRow(`SELECT name FROM users`).Scan(&name); err != nil || name != "restored-user" {
		t.Errorf("the restored database holds %q, %v", name, err)
	}

	// Any file makes a directory non-empty.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, path, other, backup.RestoreOptions{}); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("into a directory with a file: %v, want ErrNotEmpty", err)
	}
}

// TestMySQLRefused: trx backup on MySQL refuses and explains the engine's
// tools (no server is needed to see that).
func TestMySQLRefused(t *testing.T) {
	db := &sqldb.DB{Dialect: sqldb.MySQL, Where: "mysql://root@db:3306/trx"}
	_, err := backup.Snapshot(context.Background(), db, filepath.Join(t.TempDir(), "x.tar"), backup.Options{})
	if !errors.Is(err, backup.ErrUnsupported) || !strings.Contains(err.Error(), "mysqldump --single-transaction") {
		t.Fatalf("Snapshot on MySQL: %v", err)
	}
}
