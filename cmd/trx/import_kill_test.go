package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/account/accountapi"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/statement/statementapi"
)

// TestImportKilled: trx killed with SIGKILL while it stores a 100,000-line
// import leaves no part of it visible: after a restart on the same
// database the account holds all of its transactions or none, and the
// import says which (failed, or done with every line). On SQLite the
// restarted process settles the dead import at once.
func TestImportKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts trx processes")
	}
	bin := buildTrx(t)
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			var env []string
			if d == sqldb.MySQL {
				env = append(env, "TRX_DB="+sqldbtest.URL(t, d))
			}
			dir := t.TempDir()
			p := startAt(t, bin, dir, env)
			p.waitReady(t)
			key := firstKey(t, p.logs.String())
			base := "http://" + p.addr
			var acct accountapi.Resource
			importCall(t, base, key, "POST", "/api/v1/accounts", `{"name":"Big","kind":"checking","currency":"EUR"}`, 201, &acct)

			var csv bytes.Buffer
			csv.WriteString("date,description,amount\n")
			const rows = 100_000
			for i := 0; i < rows; i++ {
				fmt.Fprintf(&csv, "2024-%02d-%02d,Purchase number %d at shop %d,-%d.%02d\n", 1+i%12, 1+i%28, i, i%97, i%500, i%100)
			}
			var imp statementapi.ImportResource
			importCall(t, base, key, "POST", "/api/v1/imports?preset=za-bank-statements&account_id="+acct.ID, csv.String(), 202, &imp)
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-p.done

			q := startAt(t, bin, dir, env)
			q.waitReady(t)
			base = "http://" + q.addr
			importCall(t, base, key, "GET", "/api/v1/imports/"+imp.ID, "", 200, &imp)
			var a accountapi.Resource
			importCall(t, base, key, "GET", "/api/v1/accounts/"+acct.ID, "", 200, &a)
			t.Logf("after the kill: import %s, %d transactions", imp.State, a.Transactions)
			switch {
			case a.Transactions == 0 && imp.State == "failed" && imp.Error != nil:
			case a.Transactions == 0 && imp.State == "running" && d == sqldb.MySQL:
				// another process's import: settled once its heartbeat is stale
			case a.Transactions == rows && imp.State == "done" && imp.Created == rows:
			default:
				t.Fatalf("a partial import is visible: %d transactions, import %+v", a.Transactions, imp)
			}
			if imp.State == "failed" { // the file imports again in full
				importCall(t, base, key, "POST", "/api/v1/imports?preset=za-bank-statements&account_id="+acct.ID, csv.String(), 202, &imp)
				deadline := time.Now().Add(10 * time.Minute) // a guard against hanging only
				for imp.State == "running" && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
					importCall(t, base, key, "GET", "/api/v1/imports/"+imp.ID, "", 200, &imp)
				}
				if imp.State != "done" || imp.Created != rows {
					t.Fatalf("import again: %+v", imp)
				}
			}
		})
	}
}

// untimed are the flags that turn off serve's time limits (--request-timeout,
// the statement timeouts): a test of something else must not depend on how
// fast a busy machine answers. The limits have their own tests
// (serve_limits_test.go).
func untimed() []string {
	return []string{"--request-timeout", "0", "--db-statement-timeout", "0", "--db-job-statement-timeout", "0"}
}

// startAt starts trx serve on dir (and env) as a child process, with
// extra flags after the test's own.
func startAt(t *testing.T, bin, dir string, env []string, extra ...string) *proc {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	args := append([]string{"serve", "--addr", addr, "--data", dir, "--log-level", "warn"}, untimed()...)
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Env = append(os.Environ(), env...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: "trx", addr: addr, cmd: cmd, logs: logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.stop(t)
		}
	})
	return p
}

func importCall(t *testing.T, base, key, method, path, body string, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		ct := "application/json"
		if !strings.HasPrefix(body, "{") {
			ct = "text/csv"
		}
		req.Header.Set("Content-Type", ct)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}
