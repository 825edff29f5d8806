package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/cli"
	"github.com/trx-platform/trx/internal/cli/servecli"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/web"
)

// limitsConfigFrom parses the limit flags as `trx serve` does.
func limitsConfigFrom(t *testing.T, args ...string) servecli.Limits {
	t.Helper()
	var cfg servecli.Limits
	fs := cli.NewFlagSet("serve", "serve [flags]", testEnv(nil, io.Discard, io.Discard))
	servecli.LimitFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("flags %q: %v", args, err)
	}
	return cfg
}

func TestLimitFlags(t *testing.T) {
	def := limitsConfigFrom(t)
	if def.StatementTimeout != servecli.DefStatementTimeout || def.JobStatementTimeout != servecli.DefJobStatementTimeout ||
		def.RequestTimeout != servecli.DefRequestTimeout || def.JSONBody != servecli.DefJSONBody || def.ReportBody != servecli.DefReportBody {
		t.Errorf("defaults: %+v", def)
	}
	c := limitsConfigFrom(t, "--max-report-body", "1GiB", "--max-json-body", "512KiB", "--db-statement-timeout", "2s", "--request-timeout", "0")
	if c.ReportBody != 1<<30 || c.JSONBody != 512<<10 || c.StatementTimeout != 2*time.Second || c.RequestTimeout != 0 {
		t.Errorf("parsed: %+v", c)
	}
}

// post sends body to path with key and returns the status and the body.
func post(t *testing.T, ctx context.Context, addr, key, path, contentType string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestReportBodyLimit: POST /api/v1/report takes a body up to
// --max-report-body and refuses one past it with a 413 naming the limit
// and the flag; the JSON body limit (--max-json-body) likewise, through
// the gateway's validation and the handlers.
func TestReportBodyLimit(t *testing.T) {
	lim := limitsConfigFrom(t, "--max-report-body", "8KiB", "--max-json-body", "2KiB")
	addr, key, _ := startServeWith(t, serveConfig{DataDir: t.TempDir(), Limits: lim})
	csv := "amount,currency\n"
	for len(csv)+len("1.00,EUR\n") <= 8<<10 {
		csv += "1.00,EUR\n"
	}
	csv += strings.Repeat("\n", 8<<10-len(csv))
	ctx := context.Background()
	if code, body := post(t, ctx, addr, key, "/api/v1/report", "text/csv", strings.NewReader(csv)); code != 200 {
		t.Fatalf("a report body of exactly the limit: %d %s", code, body)
	}
	code, body := post(t, ctx, addr, key, "/api/v1/report", "text/csv", strings.NewReader(csv+"\n"))
	if code != 413 || !strings.Contains(body, "limit of 8 KiB (8192 bytes), set by --max-report-body") {
		t.Fatalf("a report body one byte past the limit: %d %s", code, body)
	}
	desc := strings.Repeat("x", 2<<10)
	code, body = post(t, ctx, addr, key, "/api/v1/transactions", "application/json",
		strings.NewReader(`{"amount":"-1.00","currency":"EUR","booked_at":"2026-11-27","description":"`+desc+`"}`))
	if code != 413 || !strings.Contains(body, "limit of 2 KiB (2048 bytes), set by --max-json-body") {
		t.Fatalf("a JSON body past --max-json-body: %d %s", code, body)
	}
}

// slowInserts makes every insert into transactions run for 60 s (MySQL: a
// trigger that sleeps) or forever (SQLite: a trigger that counts an
// unbounded recursive CTE), through a connection of the test's own.
func slowInserts(t *testing.T, d sqldb.Dialect, url string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), sqldb.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	body := "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c); END"
	if d == sqldb.MySQL {
		body = "DO SLEEP(60)"
	}
	if _, err := db.Write.Exec("CREATE TRIGGER slow_insert BEFORE INSERT ON transactions FOR EACH ROW " + map[sqldb.Dialect]string{
		sqldb.SQLite: "BEGIN " + body, sqldb.MySQL: body}[d]); err != nil {
		t.Fatalf("slow trigger: %v", err)
	}
	return db
}

const slowTx = `{"amount":"-12.50","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`

// TestSlowStatement504: a request whose statement runs past
// --db-statement-timeout (200 ms, on a 60 s or endless insert) is
// answered 504 urn:trx:problem:timeout naming the limit and the flag,
// without Retry-After; the server stays usable.
func TestSlowStatement504(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			url := sqldbtest.URL(t, d)
			lim := limitsConfigFrom(t, "--db-statement-timeout", "200ms")
			addr, key, _ := startServeWith(t, serveConfig{DataDir: t.TempDir(), DB: url, Limits: lim})
			slowInserts(t, d, url)
			code, body := post(t, context.Background(), addr, key, "/api/v1/transactions", "application/json", strings.NewReader(slowTx))
			if code != http.StatusGatewayTimeout {
				t.Fatalf("slow insert: %d %s, want 504", code, body)
			}
			var p web.Problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != "urn:trx:problem:timeout" || !strings.Contains(p.Detail, "time limit of 200ms, set by --db-statement-timeout") {
				t.Errorf("problem %+v: want type timeout naming the limit and --db-statement-timeout", p)
			}
			req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/transactions", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("a read after the timeout: %d", res.StatusCode)
			}
		})
	}
}

// TestDisconnectStopsStatement: a client that goes away mid-request
// leaves no statement running. No statement limit and no request deadline
// are set, so only the disconnect can stop the 60 s (MySQL) or endless
// (SQLite) insert: on MySQL the process list loses it; on SQLite the
// write lock it held is free again (the test's own DROP TRIGGER gets it).
func TestDisconnectStopsStatement(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			url := sqldbtest.URL(t, d)
			lim := limitsConfigFrom(t, "--db-statement-timeout", "0", "--request-timeout", "0")
			addr, key, _ := startServeWith(t, serveConfig{DataDir: t.TempDir(), DB: url, Limits: lim})
			db := slowInserts(t, d, url)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/api/v1/transactions", strings.NewReader(slowTx))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err == nil {
					res.Body.Close()
				}
				done <- err
			}()
			// The process list shows the trigger's statement while it runs.
			inserting := func() int {
				var n int
				if err := db.Read.QueryRow(`SELECT COUNT(*) FROM information_schema.PROCESSLIST
					WHERE DB = DATABASE() AND (INFO LIKE 'INSERT INTO transactions%' OR INFO = 'DO SLEEP(60)') AND ID <> CONNECTION_ID()`).Scan(&n); err != nil {
					t.Fatalf("process list: %v", err)
				}
				return n
			}
			if d == sqldb.MySQL {
				pollUntil(t, "the insert shows in the process list", func() bool { return inserting() == 1 })
			} else {
				// The insert holds the write lock for as long as it runs:
				// a write of the test's own that cannot have it within 2 s
				// (the server's other writes hold it for milliseconds)
				// shows that the insert is under way.
				pollUntil(t, "the insert holds the write lock", func() bool {
					pctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					defer cancel()
					_, err := db.Write.ExecContext(pctx, "BEGIN IMMEDIATE; ROLLBACK")
					return err != nil
				})
			}
			cancel()
			if err := <-done; err == nil {
				t.Fatal("the request finished; want it cut off by the client")
			}
			if d == sqldb.MySQL {
				took := pollUntil(t, "the insert leaves the process list", func() bool { return inserting() == 0 })
				t.Logf("the statement left the process list %s after the client went away", took)
				return
			}
			if _, err := db.Write.Exec("DROP TRIGGER slow_insert"); err != nil {
				t.Fatalf("the write lock is still held after the client went away: %v", err)
			}
		})
	}
}

// TestRequestTimeoutStopsStatement: the request deadline reaches the
// driver. With no statement limit, only --request-timeout (200 ms) can
// end the 60 s (MySQL) or endless (SQLite) insert: the client, which
// waits as long as it takes, is answered 504 urn:trx:problem:timeout
// naming the limit and --request-timeout, and the statement is stopped on
// the server (MySQL: it leaves the process list; SQLite: the write lock it
// held is free again).
func TestRequestTimeoutStopsStatement(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			url := sqldbtest.URL(t, d)
			lim := limitsConfigFrom(t, "--db-statement-timeout", "0", "--request-timeout", "200ms")
			addr, key, _ := startServeWith(t, serveConfig{DataDir: t.TempDir(), DB: url, Limits: lim})
			db := slowInserts(t, d, url)
			code, body := post(t, context.Background(), addr, key, "/api/v1/transactions", "application/json", strings.NewReader(slowTx))
			if code != http.StatusGatewayTimeout {
				t.Fatalf("slow insert: %d %s, want 504", code, body)
			}
			var p web.Problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != "urn:trx:problem:timeout" || !strings.Contains(p.Detail, "time limit of 200ms, set by --request-timeout") {
				t.Errorf("problem %+v: want type timeout naming the limit and --request-timeout", p)
			}
			if d == sqldb.MySQL {
				pollUntil(t, "the insert leaves the process list", func() bool {
					var n int
					if err := db.Read.QueryRow(`SELECT COUNT(*) FROM information_schema.PROCESSLIST
						WHERE DB = DATABASE() AND (INFO LIKE 'INSERT INTO transactions%' OR INFO = 'DO SLEEP(60)') AND ID <> CONNECTION_ID()`).Scan(&n); err != nil {
						t.Fatalf("process list: %v", err)
					}
					return n == 0
				})
				return
			}
			if _, err := db.Write.Exec("DROP TRIGGER slow_insert"); err != nil {
				t.Fatalf("the write lock is still held after the request's deadline: %v", err)
			}
		})
	}
}

// pollUntil polls cond until it holds, within a generous deadline, and
// returns how long it took.
func pollUntil(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%s: not within %s", what, time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// TestBatchLimit: POST /api/v1/transactions/batch takes up to --max-batch
// items and refuses more with a 413 naming the limit and the flag.
func TestBatchLimit(t *testing.T) {
	addr, key, _ := startServeWith(t, serveConfig{DataDir: t.TempDir(), Limits: limitsConfigFrom(t, "--max-batch", "2")})
	batch := func(n int) string {
		return `{"items":[` + strings.TrimSuffix(strings.Repeat(slowTx+",", n), ",") + `]}`
	}
	if code, body := post(t, context.Background(), addr, key, "/api/v1/transactions/batch", "application/json", strings.NewReader(batch(2))); code != 201 {
		t.Fatalf("a batch at the limit: %d %s", code, body)
	}
	code, body := post(t, context.Background(), addr, key, "/api/v1/transactions/batch", "application/json", strings.NewReader(batch(3)))
	if code != 413 || !strings.Contains(body, "more than the limit of 2, set by --max-batch") {
		t.Fatalf("a batch past the limit: %d %s", code, body)
	}
}

// TestImportFileLimit: POST /api/v1/imports takes a statement file under
// --max-import-file and refuses a larger one with a 413 naming the limit
// and the flag.
func TestImportFileLimit(t *testing.T) {
	addr, key, _ := startServeWith(t, serveConfig{DataDir: t.TempDir(), Limits: limitsConfigFrom(t, "--max-import-file", "1KiB")})
	ctx := context.Background()
	code, body := post(t, ctx, addr, key, "/api/v1/accounts", "application/json",
		strings.NewReader(`{"name":"Cheque","kind":"checking","currency":"ZAR"}`))
	if code != 201 {
		t.Fatalf("account: %d %s", code, body)
	}
	var acct struct{ ID string }
	if err := json.Unmarshal([]byte(body), &acct); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/imports?account_id=" + acct.ID + "&preset=za-bank-statements"
	csv := "date,description,amount\n2024-02-01,Coffee Corner,-3.50\n2024-02-02,Salary,1500.00\n"
	if code, body := post(t, ctx, addr, key, path, "text/csv", strings.NewReader(csv)); code/100 != 2 {
		t.Fatalf("a file under the limit: %d %s", code, body)
	}
	big := csv + strings.Repeat("2024-02-03,Bakery,-2.20\n", 1024/24+1)
	code, body = post(t, ctx, addr, key, path, "text/csv", strings.NewReader(big))
	if code != 413 || !strings.Contains(body, "larger than 1024 bytes, set by --max-import-file") {
		t.Fatalf("a file past the limit: %d %s", code, body)
	}
}
