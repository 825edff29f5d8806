package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

func TestClassify(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want fault.Kind
	}{
		{"connection refused", fmt.Errorf("store: get: %w", refused), fault.Unavailable},
		{"connection reset", fmt.Errorf("x: %w", syscall.ECONNRESET), fault.Unavailable},
		{"invalid connection", mysql.ErrInvalidConn, fault.Unavailable},
		{"timeout", fmt.Errorf("x: %w", context.DeadlineExceeded), fault.Unavailable},
		{"disk full", &mysql.MySQLError{Number: 1021, Message: "disk full"}, fault.Unavailable},
		{"read-only server", &mysql.MySQLError{Number: 1290, Message: "--read-only"}, fault.Unavailable},
		{"read-only transaction", &mysql.MySQLError{Number: 1792}, fault.Unavailable},
		{"server gone", &mysql.MySQLError{Number: 2006}, fault.Unavailable},
		{"no space", fmt.Errorf("write: %w", syscall.ENOSPC), fault.Unavailable},
		{"duplicate key keeps its kind", &mysql.MySQLError{Number: 1062}, fault.Internal},
		{"bad SQL is ours", &mysql.MySQLError{Number: 1064}, fault.Internal},
		{"cancelled by the caller", fmt.Errorf("x: %w", context.Canceled), fault.Internal},
		{"already classified", fault.New(fault.NotFound, "no such thing"), fault.NotFound},
		{"anything else", errors.New("boom"), fault.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sqldb.Classify(tc.err)
			if k := fault.KindOf(got); k != tc.want {
				t.Fatalf("kind %v, want %v (%v)", k, tc.want, got)
			}
			if !errors.Is(got, tc.err) {
				t.Fatal("the cause is lost")
			}
			if tc.want == fault.Unavailable && fault.Message(got) != sqldb.ErrUnavailableMessage {
				t.Fatalf("message %q shows internals", fault.Message(got))
			}
		})
	}
}

// TestReadOnlyDatabase: a database that answers but cannot write fails the
// write probe, and its errors are Unavailable (503), on both engines; a
// duplicate key is still a duplicate, not Unavailable.
func TestReadOnlyDatabase(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := sqldbtest.URL(t, d)
			db, err := sqldb.Open(ctx, sqldb.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckWritable(ctx); err != nil {
				t.Fatalf("write probe on a writable database: %v", err)
			}
			if _, err := db.Write.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ('x', 'a', '')`); err != nil {
				t.Fatal(err)
			}
			_, err = db.Write.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ('x', 'a', '')`)
			if !sqldb.IsDuplicate(err) || fault.KindOf(err) == fault.Unavailable {
				t.Fatalf("a duplicate key: %v (kind %v), want a duplicate, not unavailable", err, fault.KindOf(err))
			}
			ro := readOnly(t, db, url)
			if err := ro.CheckWritable(ctx); fault.KindOf(err) != fault.Unavailable {
				t.Fatalf("write probe on a read-only database: %v (kind %v), want unavailable", err, fault.KindOf(err))
			}
			if err := ro.Ping(ctx); err != nil {
				t.Fatalf("a read-only database still answers pings: %v", err)
			}
		})
	}
}

// readOnly returns db's database as seen by a read-only session.
func readOnly(t *testing.T, db *sqldb.DB, url string) *sqldb.DB {
	t.Helper()
	if db.Dialect == sqldb.SQLite {
		if _, err := db.Write.Exec(`PRAGMA query_only = 1`); err != nil { // the one write connection
			t.Fatal(err)
		}
		return db
	}
	ro, err := sqldb.Open(context.Background(), sqldb.Config{URL: url + "?tx_read_only=1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}

// TestStoppedDatabase: when the MySQL server goes away, queries fail as
// Unavailable (503), not as internal errors.
func TestStoppedDatabase(t *testing.T) {
	base := sqldbtest.URL(t, sqldb.MySQL)
	c, err := sqldb.MySQLConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	p := sqldbtest.NewProxy(t, c.Addr)
	db, err := sqldb.Open(context.Background(), sqldb.Config{URL: p.MySQLURL(t, base)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckWritable(ctx); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	for _, q := range []func() error{
		func() error { return db.CheckWritable(ctx) },
		func() error { _, err := db.Read.QueryContext(ctx, `SELECT 1`); return err },
	} {
		if err := q(); fault.KindOf(err) != fault.Unavailable {
			t.Fatalf("with the server gone: %v (kind %v), want unavailable", err, fault.KindOf(err))
		}
	}
}

// TestTakeLease: a standby takes a lease from a named holder before it
// expires; the old holder then cannot renew it.
func TestTakeLease(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			if ok, err := db.AcquireLease(ctx, "relay", "a", time.Hour); !ok || err != nil {
				t.Fatalf("a acquires: %v %v", ok, err)
			}
			if ok, _ := db.AcquireLease(ctx, "relay", "b", time.Hour); ok {
				t.Fatal("b acquired a held lease")
			}
			if h, err := db.LeaseHolder(ctx, "relay"); h != "a" || err != nil {
				t.Fatalf("holder %q %v, want a", h, err)
			}
			if ok, _ := db.TakeLease(ctx, "relay", "x", "b", time.Hour); ok {
				t.Fatal("took the lease from a holder that does not hold it")
			}
			if ok, err := db.TakeLease(ctx, "relay", "a", "b", time.Hour); !ok || err != nil {
				t.Fatalf("b takes over from a: %v %v", ok, err)
			}
			if ok, _ := db.AcquireLease(ctx, "relay", "a", time.Hour); ok {
				t.Fatal("a renewed a lease taken from it")
			}
			if h, _ := db.LeaseHolder(ctx, "nobody"); h != "" {
				t.Fatalf("holder of an unknown lease %q", h)
			}
		})
	}
}
