package sqldb_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// The limits of these tests are orders of magnitude apart from the work:
// a 200 ms limit on a statement that runs 60 s (MariaDB) or forever
// (SQLite's unbounded recursive CTE), so no outcome depends on timing.

// forever is a statement that does not end by itself: SLEEP on MySQL, an
// unbounded recursive CTE on SQLite (only an interrupt stops it). marker
// names it in MySQL's process list.
func forever(d sqldb.Dialect, marker string) string {
	if d == sqldb.MySQL {
		return "SELECT SLEEP(60) /* " + marker + " */"
	}
	return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c /* " + marker + " */"
}

// finite is a statement that takes a little while, then ends.
func finite(d sqldb.Dialect) string {
	if d == sqldb.MySQL {
		return "SELECT SLEEP(0.3)"
	}
	return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT count(*) FROM c"
}

func marker(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "trx-limit-test-" + hex.EncodeToString(b[:])
}

func openLimited(t *testing.T, d sqldb.Dialect, request, job time.Duration) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), sqldb.Config{URL: sqldbtest.URL(t, d),
		Statement:    sqldb.StatementLimit{Timeout: request, Name: "--db-statement-timeout"},
		JobStatement: sqldb.StatementLimit{Timeout: job, Name: "--db-job-statement-timeout"}})
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkTimeout checks that err is the timeout of a statement stopped at
// limit (set by flag): kind Timeout, a message naming both, and on MySQL
// the server's own error (it stopped the statement: the limit was set on
// the session, not only watched by the client).
func checkTimeout(t *testing.T, d sqldb.Dialect, err error, limit, flag string) {
	t.Helper()
	if err == nil {
		t.Fatal("the statement ended without an error")
	}
	if fault.KindOf(err) != fault.Timeout || !errors.Is(err, sqldb.ErrStatementTimeout) {
		t.Fatalf("error %v: kind %v, want Timeout wrapping ErrStatementTimeout", err, fault.KindOf(err))
	}
	if msg := fault.Message(err); !strings.Contains(msg, "time limit of "+limit+", set by "+flag) {
		t.Errorf("message %q does not name the limit %s and %s", msg, limit, flag)
	}
	if d == sqldb.MySQL {
		var me *mysql.MySQLError
		if !errors.As(err, &me) || (me.Number != 1969 && me.Number != 3024) {
			t.Errorf("error %v is not the server's statement timeout (1969 or 3024)", err)
		}
	}
}

func TestStatementTimeout(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			db := openLimited(t, d, 200*time.Millisecond, 300*time.Millisecond)
			ctx := context.Background()
			var n int64
			start := time.Now()
			err := db.Read.QueryRowContext(ctx, forever(d, marker(t))).Scan(&n)
			checkTimeout(t, d, err, "200ms", "--db-statement-timeout")
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("the statement was stopped after %s, not near its 200ms limit", took)
			}

			t.Run("prepared", func(t *testing.T) {
				st, err := db.Read.PrepareContext(ctx, forever(d, marker(t)))
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				checkTimeout(t, d, st.QueryRowContext(ctx).Scan(&n), "200ms", "--db-statement-timeout")
			})
			t.Run("exec", func(t *testing.T) {
				_, err := db.Write.ExecContext(ctx, forever(d, marker(t)))
				checkTimeout(t, d, err, "200ms", "--db-statement-timeout")
			})
			t.Run("job", func(t *testing.T) {
				err := db.Read.QueryRowContext(sqldb.Job(ctx), forever(d, marker(t))).Scan(&n)
				checkTimeout(t, d, err, "300ms", "--db-job-statement-timeout")
			})
			t.Run("in a transaction", func(t *testing.T) {
				tx, err := db.Write.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback() //nolint:errcheck // the test's outcome is the statement's
				checkTimeout(t, d, tx.QueryRowContext(ctx, forever(d, marker(t))).Scan(&n), "200ms", "--db-statement-timeout")
			})
			// The pools are usable afterwards, and the session limits
			// follow each statement's context.
			if err := db.Read.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
				t.Fatalf("after the timeouts: SELECT 1 = %d, %v", n, err)
			}
		})
	}
}

// TestUnlimited: a statement under an Unlimited context runs past the
// limit that stops the same statement otherwise (1 ms on MySQL, a 0.3 s
// SLEEP; 1 ns on SQLite, past before the statement starts); migrations
// run so.
func TestUnlimited(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			limit := time.Nanosecond
			if d == sqldb.MySQL {
				limit = time.Millisecond
			}
			db := openLimited(t, d, limit, limit)
			ctx := context.Background()
			var n any
			if err := db.Read.QueryRowContext(sqldb.Unlimited(ctx), finite(d)).Scan(&n); err != nil {
				t.Fatalf("unlimited: %v", err)
			}
			checkTimeout(t, d, db.Read.QueryRowContext(ctx, finite(d)).Scan(&n), limit.String(), "--db-statement-timeout")
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrations under a %s statement limit: %v", limit, err)
			}
		})
	}
}

// TestRequestDeadline: a statement stopped by its caller's deadline whose
// cause is a fault.Timeout (web.Deadline's) fails with that cause.
func TestRequestDeadline(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			db := openLimited(t, d, 0, 0)
			cause := fault.New(fault.Timeout, "the request ran past its time limit of 100ms, set by --request-timeout")
			ctx, cancel := context.WithTimeoutCause(context.Background(), 100*time.Millisecond, cause)
			defer cancel()
			var n int64
			err := db.Read.QueryRowContext(ctx, forever(d, marker(t))).Scan(&n)
			if fault.KindOf(err) != fault.Timeout || fault.Message(err) != cause.Msg {
				t.Fatalf("error %v (kind %v), want the deadline's cause", err, fault.KindOf(err))
			}
		})
	}
}

// running counts the statements holding marker in MySQL's process list
// (other than the one asking).
func running(t *testing.T, db *sql.DB, marker string) int {
	t.Helper()
	var n int
	err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()`,
		"%"+marker+"%").Scan(&n)
	if err != nil {
		t.Fatalf("process list: %v", err)
	}
	return n
}

// waitFor polls cond until it holds or a generous deadline passes, and
// returns how long it took.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("%s: not after %s", what, time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// TestCancelStopsStatement: a statement whose context is cancelled (its
// client went away) stops on the server too. On MySQL the driver only
// closes its socket, and the server would run the SLEEP to its end: the
// process list must lose it (KILL QUERY). No statement limit is set, so
// only the cancellation can stop it.
func TestCancelStopsStatement(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			db := openLimited(t, d, 0, 0)
			m := marker(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				var n int64
				done <- db.Read.QueryRowContext(ctx, forever(d, m)).Scan(&n)
			}()
			if d == sqldb.MySQL {
				waitFor(t, "the statement shows in the process list", func() bool { return running(t, db.Read, m) == 1 })
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled statement: %v, want context.Canceled", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the cancelled statement did not return")
			}
			if d == sqldb.MySQL {
				took := waitFor(t, "the statement leaves the process list", func() bool { return running(t, db.Read, m) == 0 })
				t.Logf("gone from the process list %s after its call returned", took)
			}
		})
	}
}
