package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// cachedConn returns a connection of db's read pool and its statement
// cache.
func cachedConn(t *testing.T, db *DB) (*sql.Conn, *stmtCache) {
	t.Helper()
	conn, err := db.Read.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var cache *stmtCache
	if err := conn.Raw(func(dc any) error {
		cache = dc.(*limitConn).c.(*classifyingConn).stmts
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if cache == nil {
		t.Fatal("a SQLite connection without a statement cache")
	}
	return conn, cache
}

func openStmtDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), Config{URL: "sqlite:" + filepath.Join(t.TempDir(), "trx.db"), MaxOpen: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Write.Exec(`CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := db.Write.Exec(`INSERT INTO kv (k, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestStmtCacheReuses: a statement run again with other arguments is the
// kept one and answers for its own arguments; scripts are not kept.
func TestStmtCacheReuses(t *testing.T) {
	db := openStmtDB(t)
	ctx := context.Background()
	conn, cache := cachedConn(t, db)
	for i := range 10 {
		var v string
		if err := conn.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, i).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("v", i); v != want {
			t.Fatalf("k %d: %q, want %q", i, v, want)
		}
	}
	if n := cache.len(); n != 1 {
		t.Fatalf("%d statements kept after one statement ten times, want 1", n)
	}
	if _, err := conn.ExecContext(ctx, `SELECT 1; SELECT 2`); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, 99).Scan(new(string)); err != sql.ErrNoRows {
		t.Fatalf("no row: %v", err)
	}
	if n := cache.len(); n != 1 {
		t.Fatalf("%d statements kept after a script, want 1", n)
	}
}

// TestStmtCacheOpenRows: the same statement run while its rows are open
// on the same connection (in a transaction) gets rows of its own; both
// read all theirs.
func TestStmtCacheOpenRows(t *testing.T) {
	db := openStmtDB(t)
	ctx := context.Background()
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	const q = `SELECT k FROM kv WHERE k >= ? ORDER BY k`
	outer, err := tx.QueryContext(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for outer.Next() {
		var k int
		if err := outer.Scan(&k); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, q, k)
		if err != nil {
			t.Fatal(err)
		}
		m := 0
		for inner.Next() {
			m++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		if m != 10-k {
			t.Fatalf("from %d: %d rows, want %d", k, m, 10-k)
		}
		n++
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Fatalf("%d outer rows, want 10", n)
	}
}

// TestStmtCacheEvicts: past its size the cache keeps the most recent
// statements, and a statement evicted while its rows are open still reads
// them to the end.
func TestStmtCacheEvicts(t *testing.T) {
	db := openStmtDB(t)
	ctx := context.Background()
	conn, cache := cachedConn(t, db)
	open, err := conn.QueryContext(ctx, `SELECT k FROM kv ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	if !open.Next() {
		t.Fatal("no first row")
	}
	for i := range stmtCacheSize + 5 {
		var k int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT k + %d FROM kv WHERE k = ?`, i), 1).Scan(&k); err != nil {
			t.Fatal(err)
		}
		if k != 1+i {
			t.Fatalf("%d, want %d", k, 1+i)
		}
	}
	if n := cache.len(); n != stmtCacheSize {
		t.Fatalf("%d statements kept, want %d", n, stmtCacheSize)
	}
	n := 1
	for open.Next() {
		n++
	}
	if err := open.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Fatalf("the evicted statement read %d rows, want 10", n)
	}
}

// TestStmtCacheErrorsAndLocks: a statement that fails is the driver's
// error, kept or not; a kept statement holds no read transaction once its
// rows are closed, so that a checkpoint truncates the whole log.
func TestStmtCacheErrorsAndLocks(t *testing.T) {
	db := openStmtDB(t)
	ctx := context.Background()
	conn, _ := cachedConn(t, db)
	if _, err := conn.ExecContext(ctx, `SELEC v FROM kv`); err == nil {
		t.Fatal("a syntax error went through")
	}
	for range 2 { // the second time from the cache
		_, err := db.Write.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, 1, "again")
		if !IsDuplicate(err) {
			t.Fatalf("a duplicate key: %v", err)
		}
	}
	if err := conn.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, 1).Scan(new(string)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, 100, "after the read"); err != nil {
		t.Fatal(err) // a reader that held its snapshot would keep the checkpoint from these frames
	}
	var busy, logged, done int
	if err := db.Write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done); err != nil {
		t.Fatal(err)
	}
	if busy != 0 {
		t.Fatalf("checkpoint busy (%d of %d frames done): a kept statement holds a read transaction", done, logged)
	}
}
