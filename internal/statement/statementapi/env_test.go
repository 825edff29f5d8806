package statementapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/account"
	"github.com/trx-platform/trx/internal/account/accountapi"
	"github.com/trx-platform/trx/internal/account/accountsql"
	"github.com/trx-platform/trx/internal/apitest"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/statement"
	"github.com/trx-platform/trx/internal/statement/statementapi"
	"github.com/trx-platform/trx/internal/statement/statementsql"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// env is the accounts, imports, transactions and report APIs on a fresh
// database, mounted as trx serve mounts them, with the import runner
// running.
type env struct {
	t          *testing.T
	srv        *httptest.Server
	alice, bob string
	db         *sqldb.DB
}

func newEnv(t *testing.T, d sqldb.Dialect) *env {
	t.Helper()
	e := apitest.New(t, d)
	accounts := account.NewService(accountsql.New(e.DB))
	txs := transaction.NewService(transactionsql.New(e.DB), transaction.WithAccounts(accounts))
	imports := statement.NewService(statementsql.New(e.DB), accounts, txs,
		statement.Config{SingleProcess: d == sqldb.SQLite, IsDuplicate: sqldb.IsDuplicate}, e.Log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- imports.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("import runner: %v", err)
		}
	})
	<-imports.Ready()
	srv := e.Start(func(mux *http.ServeMux, authn func(http.Handler) http.Handler) {
		accountapi.Routes(mux, accounts, authn, e.Log)
		statementapi.Routes(mux, imports, authn, e.Log)
		transactionapi.Routes(mux, txs, authn, e.Log)
		reportapi.Routes(mux, transactionsql.New(e.DB), authn, e.Log, reportapi.Config{})
	})
	return &env{t: t, srv: srv, alice: e.Alice, bob: e.Bob, db: e.DB}
}

func (e *env) do(key, method, path string, body any, hdr ...string) webtest.Response {
	e.t.Helper()
	return apitest.Do(e.t, e.srv, key, method, path, body, hdr...)
}

func (e *env) must(want int, key, method, path string, body, out any, hdr ...string) webtest.Response {
	e.t.Helper()
	return apitest.Must(e.t, e.srv, want, key, method, path, body, out, hdr...)
}

func (e *env) account(key, name, currency string, extra ...any) accountapi.Resource {
	e.t.Helper()
	in := map[string]any{"name": name, "kind": "checking", "currency": currency}
	for i := 0; i+1 < len(extra); i += 2 {
		in[extra[i].(string)] = extra[i+1]
	}
	var a accountapi.Resource
	e.must(http.StatusCreated, key, "POST", "/api/v1/accounts", in, &a)
	return a
}

// upload posts a file to import and returns the answer.
func (e *env) upload(key, query string, data []byte, contentType string) webtest.Response {
	e.t.Helper()
	return e.do(key, "POST", "/api/v1/imports?"+query, data, "Content-Type", contentType)
}

// finish waits for an import to leave the running state (a generous
// overall deadline; the condition is polled, not slept on) and returns it.
func (e *env) finish(key, id string) statementapi.ImportResource {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var imp statementapi.ImportResource
		e.must(http.StatusOK, key, "GET", "/api/v1/imports/"+id, nil, &imp)
		if imp.State != statement.StateRunning {
			return imp
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import %s still running after a minute: %+v", id, imp)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// importFile imports and waits for the outcome.
func (e *env) importFile(key, query string, data []byte) statementapi.ImportResource {
	e.t.Helper()
	r := e.upload(key, query, data, "application/octet-stream")
	if r.Status != http.StatusAccepted {
		e.t.Fatalf("import %s: %d %s", query, r.Status, r.Body)
	}
	var imp statementapi.ImportResource
	r.Decode(e.t, &imp)
	return e.finish(key, imp.ID)
}

func (e *env) transactions(key, accountID string) []transaction.Resource {
	e.t.Helper()
	var out []transaction.Resource
	cursor := ""
	for {
		var page struct {
			Items      []transaction.Resource `json:"items"`
			NextCursor *string                `json:"next_cursor"`
		}
		path := "/api/v1/transactions?limit=500&account_id=" + accountID
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		e.must(http.StatusOK, key, "GET", path, nil, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
