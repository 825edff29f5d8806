package transactionsql_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// BenchmarkList measures a page of the transactions list, one user with
// TRX_BENCH_LIST_ROWS rows (default 2,000; 1000000 for the issue-16
// figure), for every documented filter, on SQLite and (with
// TRX_TEST_MYSQL_DSN) MariaDB/MySQL, and reports p50 and p99 in ms. The
// rows are seeded once per engine (minutes at 1M on SQLite, longer on
// MariaDB). Run it on a quiet machine:
//
//	TRX_BENCH_LIST_ROWS=1000000 TRX_TEST_MYSQL_DSN=mysql://root@127.0.0.1:3306/test \
//	  go test -run '^$' -bench BenchmarkList -benchtime 200x -timeout 3h ./internal/transaction/transactionsql/
//
// With TRX_BENCH_LIST_KEEP=DIR the seeded databases are kept and reused by
// the next run with the same row count (SQLite in DIR/list-N.db, MariaDB in
// the database trx_bench_list_N, never dropped), so the seeding can run
// while the machine is busy and the measuring later on a quiet machine:
// seed with -bench 'BenchmarkList/.*/none' -benchtime 1x first.
func BenchmarkList(b *testing.B) {
	n := 2000
	if v := os.Getenv("TRX_BENCH_LIST_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("TRX_BENCH_LIST_ROWS=%q: want a positive number of rows", v)
		}
	}
	for _, d := range sqldbtest.Engines() {
		b.Run(string(d), func(b *testing.B) {
			s, cases := seedBench(b, d, n)
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) { benchList(b, s, c.q) })
			}
		})
	}
}

// benchList lists q b.N times and reports the latency's p50 and p99.
func benchList(b *testing.B, s *transactionsql.Store, q transaction.Query) {
	ctx := context.Background()
	took := make([]time.Duration, 0, b.N)
	rows := 0
	for b.Loop() {
		start := time.Now()
		page, err := s.List(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
		rows = len(page)
	}
	slices.Sort(took)
	at := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(rows), "rows/page")
}

var benchMerchants = []string{"Woolworths", "Pick n Pay", "Checkers", "Uber", "Bolt", "Engen", "Shell", "Vida e Caffè",
	"Mugg & Bean", "Takealot", "Netflix", "Spotify", "Discovery", "Vodacom", "MTN", "City Power", "Dis-Chem", "Clicks"}

// seedBench stores n rows for one user (and 1% as many for another), spread
// over five years, with realistic descriptions (a merchant, a branch, a
// reference), and returns the filters to measure.
func seedBench(b *testing.B, d sqldb.Dialect, n int) (*transactionsql.Store, []listCase) {
	b.Helper()
	ctx := context.Background()
	db := openBench(b, d, n)
	s := transactionsql.New(db)
	var ids [2]string
	var account string
	if err := db.Read.QueryRowContext(ctx, `SELECT u.id, a.id FROM users u JOIN accounts a ON a.user_id = u.id WHERE u.name = 'bench'`).Scan(&ids[0], &account); err == nil {
		var rows int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions WHERE user_id = (SELECT id FROM users WHERE name = 'other')`).Scan(&rows); err != nil {
			b.Fatal(err)
		}
		if rows != n/100 {
			b.Fatalf("%s: the kept database holds an interrupted seeding (%d of the other user's %d rows): remove it (TRX_BENCH_LIST_KEEP)", d, rows, n/100)
		}
		b.Logf("%s: reusing the %d rows seeded in a kept database", d, n)
		return s, benchCases(b, ids[0], account)
	}
	users := auth.NewService(authsql.New(db))
	for i, name := range []string{"bench", "other"} {
		u, _, err := users.AddUser(ctx, name, nil)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = u.ID
	}
	account = uuid.Must(uuid.NewV7()).String()
	now := sqldb.FormatTime(base)
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO accounts (id, user_id, name, name_key, kind, currency, created_at, updated_at, version)
		VALUES (?, ?, 'Cheque', 'cheque', 'checking', 'EUR', ?, ?, 1)`, account, ids[0], now, now); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(16, 2026))
	currencies := []string{"EUR", "EUR", "EUR", "EUR", "USD", "JPY"}
	start := base.AddDate(-5, 0, 0)
	batch := make([]transaction.Transaction, 0, 2000)
	seeded, began := 0, time.Now()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := s.Insert(ctx, batch, nil, nil); err != nil {
			b.Fatal(err)
		}
		seeded += len(batch)
		if seeded%100_000 < len(batch) {
			b.Logf("%s: %d rows seeded in %s", d, seeded, time.Since(began).Round(time.Second))
		}
		batch = batch[:0]
	}
	for i := range n + n/100 {
		user := ids[0]
		if i >= n {
			user = ids[1]
		}
		desc := fmt.Sprintf("%s %s #%d ref %08d", benchMerchants[rng.IntN(len(benchMerchants))],
			[]string{"Sandton", "Rosebank", "Claremont", "Online", "Menlyn"}[rng.IntN(5)], rng.IntN(500), rng.IntN(100_000_000))
		r := tx(user, 0, rng.Int64N(1_000_000)-500_000, currencies[rng.IntN(len(currencies))], desc)
		r.BookedAt = start.Add(time.Duration(rng.Int64N(int64(5 * 365 * 24 * time.Hour))))
		if c := rng.IntN(12); c < 10 {
			r.CategoryID = fmt.Sprintf("cat%d", c)
		}
		if user == ids[0] && rng.IntN(3) == 0 {
			r.AccountID = account
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	if d == sqldb.MySQL {
		if _, err := db.Write.ExecContext(ctx, `ANALYZE TABLE transactions, transaction_trigrams`); err != nil {
			b.Fatal(err)
		}
	}
	return s, benchCases(b, ids[0], account)
}

// openBench opens the database to seed: a fresh one, or with
// TRX_BENCH_LIST_KEEP the kept one for n rows (created when missing).
func openBench(b *testing.B, d sqldb.Dialect, n int) *sqldb.DB {
	b.Helper()
	dir := os.Getenv("TRX_BENCH_LIST_KEEP")
	if dir == "" {
		return sqldbtest.Open(b, d)
	}
	url := fmt.Sprintf("sqlite:%s/list-%d.db", dir, n)
	if d == sqldb.MySQL {
		name := fmt.Sprintf("trx_bench_list_%d", n)
		c, err := sqldb.MySQLConfig(sqldbtest.MySQLServer(b))
		if err != nil {
			b.Fatal(err)
		}
		admin, err := sql.Open("mysql", c.FormatDSN())
		if err != nil {
			b.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec("CREATE DATABASE IF NOT EXISTS " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
			b.Fatal(err)
		}
		url = "mysql://" + strings.TrimPrefix(sqldbtest.MySQLServer(b), "mysql://")
		url = url[:strings.LastIndex(url, "/")] + "/" + name
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	db, err := sqldb.Open(context.Background(), sqldb.Config{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

// benchCases are the filters measured, on the seeded user's rows.
func benchCases(t *testing.B, user, account string) []listCase {
	q := func(f func(*transaction.Query)) transaction.Query {
		x := transaction.Query{UserID: user, Limit: transaction.DefaultPageSize}
		f(&x)
		return x
	}
	month := base.AddDate(-2, 0, 0)
	return []listCase{
		{"none", q(func(*transaction.Query) {})},
		{"cursor-deep", q(func(x *transaction.Query) { x.After = &transaction.Position{BookedAt: base.AddDate(-4, 0, 0), ID: "f"} })},
		{"from-to-month", q(func(x *transaction.Query) { x.From, x.To = month, month.AddDate(0, 1, 0) })},
		{"category", q(func(x *transaction.Query) { x.CategoryID = "cat3" })},
		{"uncategorized", q(func(x *transaction.Query) { x.Uncategorized = true })},
		{"currency", q(func(x *transaction.Query) { x.Currency = "JPY" })},
		{"account", q(func(x *transaction.Query) { x.AccountID = account })},
		{"amount-narrow", q(func(x *transaction.Query) { x.Bands = bands(t, "12.00", "12.99", "") })},
		{"amount-mid", q(func(x *transaction.Query) { x.Bands = bands(t, "100", "150", "") })},
		{"amount-broad", q(func(x *transaction.Query) { x.Bands = bands(t, "-2000", "2000", "") })},
		{"amount-none", q(func(x *transaction.Query) { x.Bands = bands(t, "999999", "", "") })},
		{"amount+category", q(func(x *transaction.Query) { x.CategoryID, x.Bands = "cat1", bands(t, "0", "500", "") })},
		{"text-common", q(func(x *transaction.Query) { x.Text = "woolworths" })},
		{"text-rare", q(func(x *transaction.Query) { x.Text = "ref 0000" })},
		{"text-none", q(func(x *transaction.Query) { x.Text = "no such merchant" })},
		{"text-short", q(func(x *transaction.Query) { x.Text = "ub" })},
		{"text+amount", q(func(x *transaction.Query) { x.Text, x.Bands = "shell", bands(t, "-100", "100", "") })},
		{"text+from-to", q(func(x *transaction.Query) { x.Text, x.From, x.To = "uber", month, month.AddDate(0, 1, 0) })},
	}
}
