// Package sqldbtest opens fresh, migrated databases for tests: a SQLite file
// in t.TempDir() always, and a randomly named MariaDB/MySQL database when
// TRX_TEST_MYSQL_DSN is set. Under CI=true a missing DSN fails the test
// instead of skipping it, so CI can never skip the MySQL suite silently.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/sqldb"
)

// MySQLEnv is the variable that holds the MySQL server URL for tests, for
// example mysql://root@127.0.0.1:3306/test (the database part is replaced).
const MySQLEnv = "TRX_TEST_MYSQL_DSN"

// Engines returns the dialects to run a shared suite on: SQLite always,
// MySQL when its DSN is set (or under CI, where its absence fails later).
func Engines() []sqldb.Dialect {
	if os.Getenv(MySQLEnv) != "" || os.Getenv("CI") == "true" {
		return []sqldb.Dialect{sqldb.SQLite, sqldb.MySQL}
	}
	return []sqldb.Dialect{sqldb.SQLite}
}

// Open returns a fresh, migrated database of dialect d, closed (and on MySQL
// dropped) when the test ends.
func Open(t testing.TB, d sqldb.Dialect) *sqldb.DB {
	t.Helper()
	db := OpenEmpty(t, d)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// OpenEmpty is Open without migrations.
func OpenEmpty(t testing.TB, d sqldb.Dialect) *sqldb.DB {
	t.Helper()
	url := URL(t, d)
	db, err := sqldb.Open(context.Background(), sqldb.Config{URL: url})
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// URL returns the URL of a new, empty database of dialect d.
func URL(t testing.TB, d sqldb.Dialect) string {
	t.Helper()
	if d == sqldb.SQLite {
		return "sqlite:" + t.TempDir() + "/trx.db"
	}
	base := MySQLServer(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "trx_test_" + hex.EncodeToString(b[:])
	c, err := sqldb.MySQLConfig(base)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	admin, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatalf("open mysql: %v", err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	i := strings.LastIndex(base, "/")
	rest := ""
	if q := strings.Index(base[i:], "?"); q >= 0 {
		rest = base[i+q:]
	}
	return base[:i] + "/" + name + rest
}

// MySQLServer returns the MySQL URL from the environment, or skips the test
// (fails it under CI=true) when there is none.
func MySQLServer(t testing.TB) string {
	t.Helper()
	u := os.Getenv(MySQLEnv)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI=true: the MySQL suite must run in CI", MySQLEnv)
		}
		t.Skipf("MySQL tests skipped: set %s=mysql://root@127.0.0.1:3306/test to run them", MySQLEnv)
	}
	return u
}
